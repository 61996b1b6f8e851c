import { beforeAll, describe, expect, it } from 'vitest';
import { lab, rootSh, type LabDescription } from './lab-support.js';
import { buildCli, preflight, statuses, type Status } from './preflight-support.js';

/**
 * Acceptance: the healthy lab passes `kinstall preflight`, and a plain preflight writes nothing
 * to any host.
 */

/** Every check of a healthy lab host passes, except these (the lab's own nature, not a fault). */
const healthyExceptions: Record<string, Status> = {
  // This machine is cgroup v1, which Kubernetes < 1.35 accepts with a warning.
  cgroups: 'warn',
  // A general-purpose Debian host (the default shape's `full` profile) lacks kubeadm's helper
  // tools (conntrack, socat, ...): a warning, as `kinstall up` installs them.
  'required-binaries': 'warn',
  // The lab hosts have no containerd until `kinstall up` installs it, and no cluster.
  'containerd-compat': 'skip',
  'cert-expiry': 'skip',
  // The lab inventory has no built-in API endpoint.
  'api-endpoint-port': 'skip',
  'api-endpoint-haproxy': 'skip',
  'api-endpoint-vip': 'skip',
};
const hostCheckIds = [
  'os-supported', 'privileges', 'cpu', 'memory', 'swap', 'selinux', 'cgroups', 'required-binaries',
  'hostname-dns1123', 'package-lock', 'sysctl-ip-forward', 'sysctl-bridge-nf-call-iptables',
  'sysctl-bridge-nf-call-ip6tables', 'module-br_netfilter', 'module-overlay', 'firewall', 'ports',
  'node-address', 'subnet-overlap', 'mirror-reachable', 'containerd-compat', 'version-skew', 'existing-cluster',
  'kernel-version', 'cert-expiry', 'api-endpoint-port', 'api-endpoint-haproxy', 'api-endpoint-vip',
];
const clusterCheckIds = ['unique-hostname', 'unique-mac', 'unique-product-uuid', 'time-skew'];

let l: LabDescription;
beforeAll(() => {
  l = lab();
  buildCli();
});

describe('preflight on the healthy lab', () => {
  it('exits 0 with every check passing but the lab\'s own nature (healthyExceptions)', () => {
    const r = preflight(l.inventory);
    const expected = new Map<string, Status>();
    for (const h of l.hosts) for (const id of hostCheckIds) expected.set(`${h.name}/${id}`, healthyExceptions[id] ?? 'pass');
    for (const id of clusterCheckIds) expected.set(`cluster/${id}`, 'pass');
    // Compared as sorted lines so a failure lists exactly which checks differ.
    const show = (m: Map<string, Status>) => [...m].map(([k, s]) => `${k} ${s}`).sort();
    const failures = r.report!.hosts.flatMap((h) => h.checks.filter((c) => c.status === 'fail').map((c) => `${h.name}/${c.id}: ${c.message}`));
    expect(show(statuses(r.report!)), failures.join('\n')).toEqual(show(expected));
    const count = (s: Status) => [...expected.values()].filter((x) => x === s).length;
    expect(r.report!.summary).toEqual({ pass: count('pass'), warn: count('warn'), fail: 0 });
    expect(r.code, r.stderr).toBe(0);
  });

  it('writes nothing to any host: /etc, /var/lib and /opt are identical before and after', () => {
    // Metadata (type, mode, owner, size, mtime, link target) of every entry, plus every file's
    // content hash; journals and logs live under /var/log, which is not part of the snapshot.
    const snapshot =
      'find /etc /var/lib /opt -printf "%p %y %m %U:%G %s %T@ %l\\n" 2>/dev/null | sort; ' +
      'find /etc /var/lib /opt -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum';
    const take = () => new Map(l.hosts.map((h) => [h.name, rootSh(l, h, snapshot)]));
    const before = take();
    const r = preflight(l.inventory);
    const after = take();
    // The run must really have looked at every host for the comparison to mean anything.
    expect(r.report!.hosts.map((h) => h.checks.length)).toEqual(l.hosts.map(() => hostCheckIds.length));
    for (const h of l.hosts) {
      const a = before.get(h.name)!.split('\n');
      const b = after.get(h.name)!.split('\n');
      expect(a.length).toBeGreaterThan(1000);
      const changed = [...a.filter((x) => !b.includes(x)).map((x) => `- ${x}`), ...b.filter((x) => !a.includes(x)).map((x) => `+ ${x}`)];
      expect(changed, `${h.name} changed`).toEqual([]);
    }
  });
});
