import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/render.js';
import { renderAddonProbe } from '../../../src/steps/addon.js';
import { renderContainerdProbe } from '../../../src/steps/containerd.js';
import { renderInitProbe } from '../../../src/steps/init.js';
import { renderKubeconfigProbe } from '../../../src/steps/kubeconfig.js';
import { renderKubePackagesProbe } from '../../../src/steps/kube-packages.js';
import { renderPrepareHostProbe } from '../../../src/steps/prepare-host.js';
import { parseKv, sha256 } from '../../../src/steps/remote.js';
import { labCluster } from './inventories.js';

/**
 * The probes are read-only, so they can run on this machine as they would on a host: this catches
 * shell mistakes the golden files cannot (a probe that exits non-zero or prints no key).
 */
function runLocally(script: string): Map<string, string[]> {
  return parseKv(execFileSync('sh', ['-s'], { input: script, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }));
}

describe('probe scripts run on this machine', () => {
  const { hosts, inventory } = labCluster();
  it('prepare-host prints every key its planner reads', () => {
    const s = runLocally(renderPrepareHostProbe({ inventory }, hosts[0]!));
    for (const key of ['hostname', 'hosts_block_sha', 'swaps_active', 'fstab_swap', 'modules_conf_sha', 'sysctl_conf_sha', 'module_overlay', 'module_br_netfilter', 'sysctl_net.ipv4.ip_forward', 'selinux', 'firewall', 'timesync', 'pkg']) {
      expect(s.has(key), key).toBe(true);
    }
    expect(s.get('swaps_active')![0]).toMatch(/^\d+$/);
    expect(s.get('hosts_block_sha')![0]).toMatch(/^[0-9a-f]{64}$/);
  });
  it('containerd, kube-packages, init, join, add-ons, kubeconfig', () => {
    const c = runLocally(renderContainerdProbe(inventory));
    for (const key of ['pkg', 'installed', 'held', 'policy_candidate', 'uname_m', 'config_sha', 'active', 'cri']) expect(c.has(key), key).toBe(true);
    expect(c.has('file_sha:/etc/containerd/certs.d/docker.io/hosts.toml')).toBe(true);
    const k = runLocally(renderKubePackagesProbe());
    for (const key of ['pkg', 'repo_sha', 'keyring', 'installed_kubeadm', 'held_kubelet', 'installed_cri-tools', 'kubelet_enabled']) expect(k.has(key), key).toBe(true);
    expect(runLocally(renderInitProbe()).has('admin_conf')).toBe(true);
    expect([...runLocally(render('steps/join/probe.sh.hbs', {})).keys()]).toEqual(['kubelet_conf', 'pki_ca_crt', 'manifests_kube_apiserver_yaml']);
    expect(runLocally(render('steps/join/registered.sh.hbs', { node: 'node2' })).has('node_listed')).toBe(true);
    const a = runLocally(renderAddonProbe({ id: 'cni', title: '', file: 'kube-flannel.yaml', enabled: () => true, manifest: () => '', workloads: [] }));
    expect(a.has('manifest_sha') && a.has('api')).toBe(true);
    expect(runLocally(renderKubeconfigProbe('https://x:6443', ['node1'])).has('admin_conf')).toBe(true);
    // Real apt-cache, kubectl and systemctl calls: seconds each on a loaded machine.
  }, 60_000);
  it('the hosts block hash in the probe equals the planner\'s for the same text', () => {
    // sed prints the block lines exactly as written, so sha256sum matches sha256(block).
    const block = '# BEGIN kinstall lab (x)\n10.0.0.1 a\n# END kinstall lab\n';
    const out = execFileSync('sh', ['-c', "printf '%s' \"$1\" | sed -n '/^# BEGIN kinstall lab /,/^# END kinstall lab$/p' | sha256sum | cut -d' ' -f1", 'sh', `127.0.0.1 localhost\n${block}::1 x\n`], { encoding: 'utf8' }).trim();
    expect(out).toBe(sha256(block));
  });
});
