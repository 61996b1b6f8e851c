import { describe, expect, it } from 'vitest';
import { acceptedLogins, loginsBetween } from '../../../bench/lib/sshd-log.js';
import { parseRunLogCommands, parseUpSummary, writingCommands } from '../../../bench/lib/up-output.js';

describe('parseUpSummary', () => {
  it('reads per-step counts and skips steps that were not needed', () => {
    const out = ['What changed:', '...', 'finished in 12.3s', '  preflight     0 changed, 3 unchanged', '  containerd    2 changed, 0 unchanged, 1 failed', '  join-cp       not needed', '  cni           0 changed, 0 unchanged, 3 skipped'].join('\n');
    expect(parseUpSummary(out)).toEqual([
      { step: 'preflight', changed: 0, unchanged: 3, failed: 0, skipped: 0 },
      { step: 'containerd', changed: 2, unchanged: 0, failed: 1, skipped: 0 },
      { step: 'cni', changed: 0, unchanged: 0, failed: 0, skipped: 3 },
    ]);
  });
});

describe('run log commands', () => {
  const log = [
    '2026-11-22T06:00:00.000Z [node1] ssh: connected to root@10.77.0.11:22',
    '2026-11-22T06:00:01.000Z [node1] exec: containerd: probe (sudo): exit 0 in 120 ms, stdin 0 bytes',
    '                         | --- script',
    '                         | exec: fake: exit 0 in 1 ms, stdin 0 bytes',
    '2026-11-22T06:00:02.000Z [node2] exec: containerd: install: exit 0 in 9000 ms, stdin 0 bytes',
    '2026-11-22T06:00:03.000Z [node1] exec: upload /etc/modules-load.d/k8s.conf (sudo): exit 0 in 30 ms, stdin 40 bytes',
    '2026-11-22T06:00:04.000Z [node1] exec: join: is node2 a node: exit 0 in 30 ms, stdin 0 bytes',
    '2026-11-22T06:00:05.000Z [node1] exec: join: wait for node node2: exit 0 in 3000 ms, stdin 0 bytes',
    '2026-11-22T06:00:06.000Z [node3] exec: preflight facts: exit 0 in 300 ms, stdin 0 bytes',
    '2026-11-22T06:00:07.000Z [node1] exec: lock: acquire (sudo): exit 0 in 20 ms, stdin 200 bytes',
    '2026-11-22T06:00:08.000Z [node1] exec: lock: release (sudo): exit 0 in 20 ms, stdin 0 bytes',
  ].join('\n');
  it('finds each exec entry with host, label, exit code and duration, not script lines', () => {
    const cmds = parseRunLogCommands(log);
    expect(cmds).toHaveLength(8);
    expect(cmds[0]).toEqual({ host: 'node1', label: 'containerd: probe', code: 0, durationMs: 120 });
  });
  it('counts everything but probes, facts, checks, waits and the run lock as writing', () => {
    expect(writingCommands(parseRunLogCommands(log)).map((c) => c.label)).toEqual(['containerd: install', 'upload /etc/modules-load.d/k8s.conf']);
  });
});

describe('sshd log logins', () => {
  it('counts accepted logins only', () => {
    const text = ['Server listening on 0.0.0.0 port 22.', 'Accepted publickey for root from 10.78.255.1 port 40000 ssh2: ED25519 SHA256:x', 'Connection closed by 10.78.255.1 port 40001 [preauth]', 'Accepted publickey for root from 10.78.255.1 port 40002 ssh2: ED25519 SHA256:x'].join('\n');
    expect(acceptedLogins(text)).toBe(2);
    const first = 'Accepted publickey for root from 10.78.255.1 port 40000 ssh2: ED25519 SHA256:x';
    expect(acceptedLogins(`${text}\n${first}`)).toBe(2); // the same login written twice
  });
  it('subtracts per host, ignoring hosts missing before', () => {
    expect(loginsBetween(new Map([['a', 2], ['b', 0]]), new Map([['a', 3], ['b', 1], ['c', 5]]))).toEqual([1, 1]);
  });
});
