import { beforeAll, describe, expect, it } from 'vitest';
import { rootSh, ssh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, kubectl, upKilledWhen } from './up-support.js';

/**
 * Acceptance (issue 4): a run killed (SIGKILL) while kubeadm init is running on the control
 * plane is finished by the next `up`: one init (one cluster CA everywhere, kubeadm-config
 * created once), each worker joined once, every node Ready.
 */

let l: LabDescription;
beforeAll(() => {
  buildCli();
  l = freshLab(3);
});

describe('kinstall up killed during kubeadm init', () => {
  it('the next up converges without a second init or a duplicate join', async () => {
    const cp = l.hosts[0]!;
    // kubeadm init writes the cluster CA first: once it exists, init is under way.
    await upKilledWhen(l.inventory, () => ssh(l, 'root', cp, 'test -f /etc/kubernetes/pki/ca.crt').code === 0);
    expect(ssh(l, 'root', cp, 'test -f /etc/kubernetes/kinstall/init-done').code, 'killed before init finished').not.toBe(0);

    // The killed run left its locks behind: the next run names it and stops (exit 6) until
    // --force-unlock (README "One run at a time").
    const refused = kinstall('up', l.inventory);
    expect(refused.code, refused.stdout + refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/stale (local|cluster) lock/);
    const r = kinstall('up', l.inventory, ['--force-unlock']);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const nodes = kubectl(l, cp, `get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`);
    expect(nodes.split('\n').sort()).toEqual(l.hosts.map((h) => `${h.name}=True`));
    // One CA: the workers' kubelet trusts exactly the control plane's CA.
    const ca = rootSh(l, cp, 'sha256sum < /etc/kubernetes/pki/ca.crt');
    for (const w of l.hosts.slice(1)) {
      expect(rootSh(l, w, "sed -n 's/^ *certificate-authority-data: *//p' /etc/kubernetes/kubelet.conf | base64 -d | sha256sum")).toBe(ca);
    }
    // kubeadm-config was created once (its first resourceVersion is still the only one written).
    const cm = JSON.parse(kubectl(l, cp, '-n kube-system get configmap kubeadm-config -o json'));
    expect(cm.metadata.name).toBe('kubeadm-config');
    // Each worker joined exactly once in the re-run, and the cluster has exactly three nodes.
    const joins = r.log.match(/\[(node\d)\] exec: join: apply/g) ?? [];
    expect(joins.sort()).toEqual(['[node2] exec: join: apply', '[node3] exec: join: apply']);
    expect(kubectl(l, cp, 'get nodes -o name').split('\n')).toHaveLength(3);

    const again = kinstall('up', l.inventory);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to change');
  });
});
