import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, rootSh, type LabDescription, type LabHost } from './lab-support.js';
import { buildCli, changedStatuses, FaultTracker, hostCheck, preflight, type JsonReport } from './preflight-support.js';

/**
 * Acceptance: `preflight --fix` shows its plan, fixes what it can, and a second plain run passes;
 * what it cannot fix (the lab's simulated swap) it reports as not fixed.
 */

let l: LabDescription;
let baseline: { code: number; report: JsonReport };
const faults = new FaultTracker();
/** Shell run as root on a host after the test, to undo what --fix wrote there. */
const undo: { host: LabHost; script: string }[] = [];

beforeAll(() => {
  l = lab();
  buildCli();
  const r = preflight(l.inventory);
  baseline = { code: r.code, report: r.report! };
});
afterEach(() => {
  try {
    faults.clearFaults();
  } finally {
    for (const u of undo.splice(0)) rootSh(l, u.host, u.script);
  }
});

function host(name: string): LabHost {
  const h = l.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no lab host ${name}`);
  return h;
}

/**
 * The default hosts are general-purpose Debian servers without kubeadm's helper tools, which
 * --fix installs on every host: after the test the packages it added go again, so later files
 * meet the hosts as they were.
 */
function restorePackagesAfter(): void {
  const saved = '/root/.klab-packages-before-fix';
  for (const h of l.hosts) {
    rootSh(l, h, `dpkg-query -W -f '\${Package}\\n' | sort > ${saved}`);
    undo.push({ host: h, script: `dpkg-query -W -f '\${Package}\\n' | sort | comm -13 ${saved} - | xargs -r env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q >/dev/null; rm -f ${saved}` });
  }
}

describe('preflight --fix', () => {
  it('ip-forward-off: shows the plan, fixes it, and a second plain preflight passes', () => {
    const node3 = host('node3');
    faults.inject(node3.name, 'ip-forward-off');
    restorePackagesAfter();
    // The lab's own sysctl.d file sets ip_forward=1 already; the file --fix writes must go again.
    undo.push({ host: node3, script: 'rm -f /etc/sysctl.d/99-kubernetes.conf' });
    const fixed = preflight(l.inventory, ['--fix']);
    const out = fixed.stdout;
    const plan = out.indexOf('--fix plan:');
    const action = out.indexOf('  - sysctl: /etc/sysctl.d/99-kubernetes.conf', plan);
    const done = out.indexOf('node3: fixed', action);
    const recheck = out.indexOf('re-checking after --fix:', done);
    expect([plan, action, done, recheck].every((i) => i >= 0), out).toBe(true);
    // node1 and node2 only lack kubeadm's helper tools; node3 also the sysctl.
    for (const n of ['node1', 'node2']) {
      const hostPlan = new RegExp(`^${n}:\\n {2}- packages: install ([a-z0-9 .+-]+) \\(waiting for other apt/dnf runs first\\)\\n(?! {2}- )`, 'm').exec(out);
      expect(hostPlan?.[1]?.split(' '), out).toEqual(expect.arrayContaining(['conntrack', 'socat', 'ethtool']));
    }
    expect(out.slice(recheck)).toMatch(/^node3 \(.*\)\n(?: {2}.*\n)*? {2}sysctl-ip-forward +pass /m);
    expect(fixed.code, fixed.stderr).toBe(baseline.code);

    const again = preflight(l.inventory);
    expect(hostCheck(again.report!, node3.name, 'sysctl-ip-forward').status).toBe('pass');
    // What changed since the baseline: the helper tools --fix installed.
    expect(changedStatuses(baseline.report, again.report!)).toEqual(l.hosts.map((h) => `${h.name}/required-binaries: warn -> pass`));
    expect(again.code).toBe(baseline.code);
    expect(rootSh(l, node3, 'cat /etc/sysctl.d/99-kubernetes.conf')).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
  });

  it('swap-on (simulated, swapoff cannot act on it): reports the swap as NOT turned off, exit 1', () => {
    const node2 = host('node2');
    faults.inject(node2.name, 'swap-on');
    restorePackagesAfter();
    // A successful --fix would leave an fstab backup behind.
    undo.push({ host: node2, script: 'rm -f /etc/fstab.kinstall-*.bak' });
    const r = preflight(l.inventory, ['--fix']);
    const out = r.stdout;
    expect(out).toContain('  - swap: swapoff -a');
    // node2's result, up to the next host's or the re-check (the helper-tools install, which
    // comes first, prints apt's output before the swap line).
    const start = out.search(/^node2: FIX FAILED$/m);
    expect(start, out).toBeGreaterThanOrEqual(0);
    const rest = out.slice(start + 1);
    const node2Result = rest.slice(0, rest.search(/^(node\d+: |re-checking after --fix:)/m));
    expect(node2Result).toMatch(/^ {2}swap: NOT turned off: swapoff -a exited \d+ and swap is still active on: \/swapfile/m);
    expect(out).not.toMatch(/^node2: fixed$/m);
    expect(out.slice(out.indexOf('re-checking after --fix:'))).toMatch(/^ {2}swap +fail +swap is on: \/swapfile/m);
    expect(r.code, r.stderr).toBe(1);
    // Nothing half-done: fstab still has its swap line uncommented, and no backup was made.
    expect(rootSh(l, node2, 'grep -c "^/swapfile none swap" /etc/fstab; ls /etc/fstab.kinstall-*.bak 2>/dev/null | wc -l')).toBe('1\n0');
  });
});
