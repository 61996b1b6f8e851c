import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, type LabDescription } from './lab-support.js';
import { buildCli, changedStatuses, FaultTracker, hostCheck, preflight, replaceOnce, variantInventory, type JsonReport } from './preflight-support.js';

/**
 * Acceptance: connection problems exit 3 with an actionable message; accept-new, sudo with a
 * password and NOPASSWD sudo give the same report as root with the lab's known_hosts.
 */

let l: LabDescription;
let baseline: { code: number; report: JsonReport };
const faults = new FaultTracker();

beforeAll(() => {
  l = lab();
  buildCli();
  const r = preflight(l.inventory);
  baseline = { code: r.code, report: r.report! };
});
afterEach(() => faults.clearFaults());

/** The lab inventory with a fresh, empty known_hosts file and the given host key policy. */
function emptyKnownHostsInventory(policy: 'strict' | 'accept-new'): { inventory: string; knownHosts: string } {
  let knownHosts = '';
  const inventory = variantInventory(l, (t, dir) => {
    knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, '');
    return replaceOnce(replaceOnce(t, /^(\s+knownHostsFile:) .*$/m, `$1 ${knownHosts}`), /^(\s+hostKeyPolicy:) strict$/m, `$1 ${policy}`);
  });
  return { inventory, knownHosts };
}

/** The lab inventory logging in as `user` (a lab user with the lab key), optionally with sudoPasswordEnv. */
function userInventory(user: string, sudoPasswordEnv?: string): string {
  return variantInventory(l, (t) =>
    replaceOnce(t, /^(\s+)user: root$/m, `$1user: ${user}${sudoPasswordEnv ? `\n$1sudoPasswordEnv: ${sudoPasswordEnv}` : ''}`),
  );
}

function reachableFailures(report: JsonReport): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of report.hosts) for (const c of h.checks) if (c.id === 'reachable' && c.status === 'fail') out.set(h.name, c.message);
  return out;
}

/** The base64 key blob recorded for each key type of `address` in a known_hosts text. */
function recordedKeys(text: string, address: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    const [hosts, type, blob] = line.trim().split(/\s+/);
    if (hosts && type && blob && hosts.split(',').includes(address)) keys.add(`${type} ${blob}`);
  }
  return keys;
}

describe('preflight connection problems', () => {
  it('changed host key: exit 3, a hard error on that host naming known_hosts file:line', () => {
    const target = l.hosts[2]!;
    faults.inject(target.name, 'changed-host-key');
    const r = preflight(l.inventory);
    expect(r.code, r.stderr).toBe(3);
    const failures = reachableFailures(r.report!);
    expect([...failures.keys()]).toEqual([target.name]);
    const message = failures.get(target.name)!;
    expect(message).toMatch(/CHANGED/);
    const at = new RegExp(`${l.knownHostsFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(message);
    expect(at, message).not.toBeNull();
    // The named line really is this host's entry, i.e. the one the operator has to fix.
    const line = fs.readFileSync(l.knownHostsFile, 'utf8').split('\n')[Number(at![1]) - 1]!;
    expect(line.split(/\s+/)[0]!.split(',')).toContain(target.address);
    // The other hosts were still audited.
    for (const h of l.hosts.filter((x) => x !== target)) expect(hostCheck(r.report!, h.name, 'swap').status).toBe('pass');
  });

  it('unknown host keys with hostKeyPolicy strict: exit 3 for every host, nothing recorded', () => {
    const { inventory, knownHosts } = emptyKnownHostsInventory('strict');
    const r = preflight(inventory);
    expect(r.code, r.stderr).toBe(3);
    const failures = reachableFailures(r.report!);
    expect([...failures.keys()].sort()).toEqual(l.hosts.map((h) => h.name).sort());
    for (const message of failures.values()) expect(message).toContain(`is not in ${knownHosts}`);
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe('');
  });

  it('unknown host keys with hostKeyPolicy accept-new: the baseline report, and the real keys recorded', () => {
    const { inventory, knownHosts } = emptyKnownHostsInventory('accept-new');
    const r = preflight(inventory);
    expect(changedStatuses(baseline.report, r.report!)).toEqual([]);
    expect(r.code, r.stderr).toBe(baseline.code);
    const recorded = fs.readFileSync(knownHosts, 'utf8');
    const labKnown = fs.readFileSync(l.knownHostsFile, 'utf8');
    for (const h of l.hosts) {
      const keys = recordedKeys(recorded, h.address);
      expect(keys.size, `${h.name} recorded`).toBeGreaterThan(0);
      for (const k of keys) expect(recordedKeys(labKnown, h.address).has(k), `${h.name}: ${k}`).toBe(true);
    }
    // Recorded keys are trusted from now on, even under strict.
    const strict = preflight(replaceOnceFile(inventory, /^(\s+hostKeyPolicy:) accept-new$/m, '$1 strict'));
    expect(reachableFailures(strict.report!).size).toBe(0);
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(recorded);
  });

  it('ops user (sudo needs a password) with a wrong sudoPasswordEnv: exit 3 with the sudo message', () => {
    const wrong = 'not-the-ops-password';
    const r = preflight(userInventory('ops', 'KLAB_SUDO_PASSWORD'), ['--json'], { KLAB_SUDO_PASSWORD: wrong });
    expect(r.code, r.stderr).toBe(3);
    const failures = reachableFailures(r.report!);
    expect([...failures.keys()].sort()).toEqual(l.hosts.map((h) => h.name).sort());
    for (const message of failures.values()) expect(message).toMatch(/sudo as ops rejected the password from \$KLAB_SUDO_PASSWORD/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
  });

  it('ops user with the right sudo password: the baseline report, privileges through sudo', () => {
    const password = fs.readFileSync(l.opsPasswordFile, 'utf8').trim();
    const r = preflight(userInventory('ops', 'KLAB_SUDO_PASSWORD'), ['--json'], { KLAB_SUDO_PASSWORD: password });
    expect(changedStatuses(baseline.report, r.report!)).toEqual([]);
    expect(r.code, r.stderr).toBe(baseline.code);
    for (const h of l.hosts) expect(hostCheck(r.report!, h.name, 'privileges').message).toBe('sudo works for ops');
    expect(`${r.stdout}${r.stderr}`).not.toContain(password);
  });

  it('deploy user (NOPASSWD sudo): the baseline report, privileges through sudo', () => {
    const r = preflight(userInventory('deploy'));
    expect(changedStatuses(baseline.report, r.report!)).toEqual([]);
    expect(r.code, r.stderr).toBe(baseline.code);
    for (const h of l.hosts) expect(hostCheck(r.report!, h.name, 'privileges').message).toBe('sudo works for deploy');
  });
});

function replaceOnceFile(file: string, pattern: RegExp, replacement: string): string {
  fs.writeFileSync(file, replaceOnce(fs.readFileSync(file, 'utf8'), pattern, replacement));
  return file;
}
