import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lab, type LabDescription } from './lab-support.js';
import {
  buildCli,
  changedStatuses,
  clusterCheck,
  FaultTracker,
  hostCheck,
  preflight,
  replaceOnce,
  variantInventory,
  type JsonReport,
} from './preflight-support.js';

/**
 * Acceptance: each lab fault makes exactly the right check fail on the right host, exit 1, and
 * changes no other check's status compared with the same inventory's run on the lab without it.
 */

interface FaultCase {
  fault: string;
  host: string;
  /** `host/id` or `cluster/id` of the one check that must turn to fail. */
  check: (host: string) => string;
  /** Extra assertions on the faulty report. */
  also?: (report: JsonReport, host: string, l: LabDescription) => void;
}

const cases: FaultCase[] = [
  { fault: 'swap-on', host: 'node2', check: (h) => `${h}/swap`, also: (r, h) => expect(hostCheck(r, h, 'swap').message).toContain('/swapfile') },
  { fault: 'ip-forward-off', host: 'node3', check: (h) => `${h}/sysctl-ip-forward` },
  // 6443 is a control-plane port only: node1 is the lab's control plane.
  { fault: 'port-6443', host: 'node1', check: (h) => `${h}/ports`, also: (r, h) => expect(hostCheck(r, h, 'ports').message).toMatch(/6443/) },
  { fault: 'firewall-10250', host: 'node2', check: (h) => `${h}/firewall`, also: (r, h) => expect(hostCheck(r, h, 'firewall').message).toMatch(/10250/) },
  {
    fault: 'dup-machine-id',
    host: 'node3',
    check: () => 'cluster/unique-product-uuid',
    also: (r, h) => {
      const c = clusterCheck(r, 'unique-product-uuid');
      // No DMI in the lab: the message must say the comparison fell back to /etc/machine-id.
      expect(c.message).toMatch(/machine-id/);
      // The fault copies node1's machine-id onto the faulty host.
      expect([...c.hosts].sort()).toEqual(['node1', h]);
    },
  },
  {
    fault: 'dup-mac',
    host: 'node2',
    check: () => 'cluster/unique-mac',
    also: (r, h, l) => {
      const c = clusterCheck(r, 'unique-mac');
      expect(c.message.toLowerCase()).toContain(l.hosts[0]!.mac.toLowerCase());
      expect([...c.hosts].sort()).toEqual(['node1', h]);
    },
  },
  {
    fault: 'kubelet-conf',
    host: 'node2',
    check: (h) => `${h}/existing-cluster`,
    also: (r, h) => expect(hostCheck(r, h, 'existing-cluster').message).toContain('kubelet.conf'),
  },
];

let l: LabDescription;
let baseline: JsonReport;
const faults = new FaultTracker();

beforeAll(() => {
  l = lab();
  buildCli();
  baseline = preflight(l.inventory).report!;
});
afterEach(() => faults.clearFaults());

function expectOnlyFailure(before: JsonReport, inventory: string, expected: string): JsonReport {
  const r = preflight(inventory);
  expect(changedStatuses(before, r.report!)).toEqual([`${expected}: pass -> fail`]);
  expect(r.code, r.stderr).toBe(1);
  return r.report!;
}

describe('preflight against injected lab faults', () => {
  // Issue 11 item 12: kinstall up waits for the lock, so a held lock is a warning naming the holder.
  it('dpkg-lock on node3: only node3/package-lock warns (up waits for it), exit 0', () => {
    faults.inject('node3', 'dpkg-lock');
    const r = preflight(l.inventory);
    expect(changedStatuses(baseline, r.report!)).toEqual(['node3/package-lock: pass -> warn']);
    expect(r.code, r.stderr).toBe(0);
    expect(hostCheck(r.report!, 'node3', 'package-lock').message).toMatch(/dpkg.*held by pid \d+ \(perl\).*kinstall up will wait up to 600 s/);
  });
  for (const c of cases) {
    it(`${c.fault} on ${c.host}: only ${c.check(c.host)} fails, exit 1`, () => {
      faults.inject(c.host, c.fault);
      const report = expectOnlyFailure(baseline, l.inventory, c.check(c.host));
      c.also?.(report, c.host, l);
    });
  }

  it('old-containerd on node2 with Kubernetes 1.30: only node2/containerd-compat fails, exit 1', () => {
    // containerd 1.6.20 is fine for the lab's 1.28 but too old for 1.30 (needs >= 1.6.28); the
    // inventory's own pinned containerd must be valid for 1.30, or validation would stop the run.
    const inventory = variantInventory(l, (t) =>
      replaceOnce(replaceOnce(t, /^(\s+version:) 1\.28\.\d+$/m, '$1 1.30.14'), /^(\s+version:) 1\.6\.20$/m, '$1 1.7.24'),
    );
    const before = preflight(inventory);
    expect(hostCheck(before.report!, 'node2', 'containerd-compat').status).toBe('skip');
    faults.inject('node2', 'old-containerd');
    const r = preflight(inventory);
    expect(changedStatuses(before.report!, r.report!)).toEqual(['node2/containerd-compat: skip -> fail']);
    expect(hostCheck(r.report!, 'node2', 'containerd-compat').message).toMatch(/1\.6\.20.*too old for Kubernetes 1\.30/);
    expect(r.code, r.stderr).toBe(1);
  });
});
