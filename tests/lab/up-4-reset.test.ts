import { beforeAll, describe, expect, it } from 'vitest';
import { lab, rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall, kubectl } from './up-support.js';

/** Acceptance (issue 4): reset asks first (exit 5 without a terminal), then `up` works again. */

let l: LabDescription;
beforeAll(() => {
  buildCli();
  l = lab();
});

describe('kinstall reset', () => {
  it('refuses without --yes and without a terminal (exit 5), changing nothing', () => {
    const r = kinstall('reset', l.inventory);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toMatch(/--yes/);
    expect(rootSh(l, l.hosts[0]!, 'test -f /etc/kubernetes/admin.conf && echo present')).toBe('present');
  });

  it('reset --yes clears the cluster; up then builds it again', () => {
    const reset = kinstall('reset', l.inventory, ['--yes']);
    expect(reset.code, reset.stdout + reset.stderr).toBe(0);
    for (const h of l.hosts) {
      expect(rootSh(l, h, 'ls /etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf 2>/dev/null | wc -l')).toBe('0');
      // CNI configs are gone; the directory stays (containerd keeps watching it).
      expect(rootSh(l, h, 'ls -A /etc/cni/net.d | wc -l')).toBe('0');
    }

    const up = kinstall('up', l.inventory);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const nodes = kubectl(l, l.hosts[0]!, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`);
    expect(nodes.split('\n').sort()).toEqual(l.hosts.map((h) => `${h.name}=True`));
  });
});
