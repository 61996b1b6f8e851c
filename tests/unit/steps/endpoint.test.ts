import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Pod } from 'kubernetes-models/v1';
import { controlPlaneEndpointOf, operatorEndpointOf } from '../../../src/inventory/endpoint.js';
import type { Inventory } from '../../../src/inventory/schema.js';
import { apiServerCertSANs, renderKubeadmInitConfig, renderKubeadmJoinConfig } from '../../../src/kube/kubeadm.js';
import { balancerStep, planBalancer, renderBalancerApply, renderBalancerProbe, renderHaproxyConfig } from '../../../src/steps/endpoint.js';
import { kubeVipBootstrapStep, kubeVipStep, planKubeVip, renderKubeVipManifest, renderKubeVipProbe } from '../../../src/steps/endpoint-vip.js';
import { kubeconfigServer } from '../../../src/steps/kubeconfig.js';
import { apiServerEndpoint, sha256 } from '../../../src/steps/remote.js';
import { parseKv } from '../../../src/steps/remote.js';
import { upSteps } from '../../../src/steps/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { parseYamlDocuments, unknownFields } from '../templates/k8s-objects.js';
import { FakeRemote, fakeContext, fakeHost, fakeInventory } from './fakes.js';

/** Two control planes and a worker behind the node-local balancer. */
function haCluster(apiEndpoint: Inventory['kubernetes']['apiEndpoint'], version = '1.28.15') {
  const hosts = [fakeHost('node1', ['control-plane'], '10.77.0.11'), fakeHost('node2', ['control-plane'], '10.77.0.12'), fakeHost('node3', ['worker'], '10.77.0.13')];
  const base = fakeInventory(hosts, { metadata: { name: 'lab' } });
  const inventory: Inventory = { ...base, kubernetes: { ...base.kubernetes, version, apiEndpoint } };
  return { hosts, inventory, ctx: { hosts, inventory } };
}
const nodeLocal = () => haCluster({ nodeLocal: { port: 7443 } });
const vip = (version = '1.29.10') => haCluster({ kubeVip: { address: '10.77.0.100', interface: 'host0', image: 'ghcr.io/kube-vip/kube-vip:v0.8.9' } }, version);
const kv = (lines: string[]) => parseKv(lines.join('\n'));

describe('the endpoint kubeadm, kubelets and the operator use', () => {
  it('node-local: 127.0.0.1:<port> for kubeadm (so kubelet.conf/kube-proxy), the first control plane for the operator', () => {
    const { inventory, ctx, hosts } = nodeLocal();
    expect(controlPlaneEndpointOf(inventory)).toBe('127.0.0.1:7443');
    expect(operatorEndpointOf(inventory)).toBeUndefined();
    expect(apiServerEndpoint(ctx)).toBe('127.0.0.1:7443');
    expect(kubeconfigServer(ctx)).toBe('https://10.77.0.11:6443');
    const init = renderKubeadmInitConfig({ inventory, host: hosts[0]! });
    expect(init).toMatch(/^controlPlaneEndpoint: "127\.0\.0\.1:7443"$/m);
    // kubeadm's default SANs do not include 127.0.0.1 (pkiutil GetAPIServerAltNames adds the
    // endpoint's host itself; it is listed so every control plane's certificate shows it).
    expect(apiServerCertSANs(inventory)).toContain('127.0.0.1');
    const join = renderKubeadmJoinConfig({ inventory, host: hosts[2]!, apiServerEndpoint: apiServerEndpoint(ctx), token: 'abcdef.0123456789abcdef', caCertHash: `sha256:${'a'.repeat(64)}` });
    expect(join).toMatch(/apiServerEndpoint: "127\.0\.0\.1:7443"/);
  });

  it('kube-vip: <vip>:6443 everywhere, in the SANs, and for the operator', () => {
    const { inventory, ctx } = vip();
    expect(controlPlaneEndpointOf(inventory)).toBe('10.77.0.100:6443');
    expect(kubeconfigServer(ctx)).toBe('https://10.77.0.100:6443');
    expect(apiServerCertSANs(inventory)[0]).toBe('10.77.0.100');
  });

  it('an external controlPlaneEndpoint is unchanged', () => {
    const { hosts } = nodeLocal();
    const inventory = fakeInventory(hosts);
    inventory.kubernetes.controlPlaneEndpoint = 'LB.example.com:6443';
    expect(controlPlaneEndpointOf(inventory)).toBe('LB.example.com:6443');
    expect(operatorEndpointOf(inventory)).toBe('LB.example.com:6443');
  });

  it('the endpoint steps run before kubeadm init, kube-vip for the other control planes after their join', () => {
    const ids = upSteps.map((s) => s.id);
    expect(ids.indexOf('endpoint-balancer')).toBeLessThan(ids.indexOf('init'));
    expect(ids.indexOf('endpoint-vip-init')).toBeLessThan(ids.indexOf('init'));
    expect(ids.indexOf('endpoint-vip')).toBeGreaterThan(ids.indexOf('join-control-planes'));
  });
});

describe('node-local balancer (haproxy)', () => {
  it('config: golden, every control plane a health-checked backend, and haproxy itself accepts it', () => {
    const { ctx } = nodeLocal();
    const cfg = renderHaproxyConfig(ctx);
    expectGolden('endpoint/haproxy.cfg', cfg);
    expect(cfg.match(/^ {4}server .* check check-ssl verify none$/gm)).toEqual([
      '    server node1 10.77.0.11:6443 check check-ssl verify none',
      '    server node2 10.77.0.12:6443 check check-ssl verify none',
    ]);
    expect(cfg).toMatch(/^ {4}bind 127\.0\.0\.1:7443$/m);
    let haproxy = true;
    try {
      execFileSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' });
    } catch {
      haproxy = false;
    }
    if (haproxy) execFileSync('haproxy', ['-c', '-f', '/dev/stdin'], { input: cfg, stdio: ['pipe', 'ignore', 'pipe'] });
  });

  it('adding a control plane changes only the backend list', () => {
    const { ctx, hosts, inventory } = nodeLocal();
    const more = [...hosts, fakeHost('node4', ['control-plane'], '10.77.0.14')];
    const before = renderHaproxyConfig(ctx).split('\n');
    const after = renderHaproxyConfig({ inventory, hosts: more }).split('\n');
    expect(after.filter((l) => !before.includes(l))).toEqual(['    server node4 10.77.0.14:6443 check check-ssl verify none']);
    expect(before.filter((l) => !after.includes(l))).toEqual([]);
  });

  it('scripts: golden', () => {
    const { inventory } = nodeLocal();
    expectGolden('endpoint/probe.sh', renderBalancerProbe(inventory));
    expectGolden('endpoint/apply-apt-all.sh', renderBalancerApply(inventory, { install: true, writeConfig: true, enable: true, reloadOrStart: true, pkg: 'apt' }));
    expectGolden('endpoint/apply-dnf-reload.sh', renderBalancerApply(inventory, { install: true, writeConfig: true, enable: false, reloadOrStart: true, pkg: 'dnf' }));
    expectGolden('endpoint/apply-none.sh', renderBalancerApply(inventory, { install: false, writeConfig: false, enable: false, reloadOrStart: false, pkg: 'apt' }));
  });

  it('the apply validates the staged file before it replaces the live one, and reloads rather than restarts', () => {
    const { inventory } = nodeLocal();
    const script = renderBalancerApply(inventory, { install: false, writeConfig: true, enable: false, reloadOrStart: true, pkg: 'apt' });
    expect(script.indexOf('haproxy -c -f')).toBeLessThan(script.indexOf('install -m 0644 -D'));
    expect(script).toContain('systemctl reload-or-restart haproxy');
    expect(script).not.toMatch(/systemctl restart haproxy/);
  });

  it('plan: fresh host, converged host, backend list changed, stopped service', () => {
    const { ctx } = nodeLocal();
    const sha = sha256(renderHaproxyConfig(ctx));
    const fresh = planBalancer(kv(['pkg=apt', 'haproxy=no', 'config_sha=absent', 'active=inactive', 'enabled=']), sha);
    expect(fresh.changes).toEqual(['install haproxy (apt)', 'write /etc/haproxy/haproxy.cfg (checked with haproxy -c first)', 'enable haproxy', 'reload haproxy']);
    const done = planBalancer(kv(['pkg=apt', 'haproxy=yes', `config_sha=${sha}`, 'active=active', 'enabled=enabled']), sha);
    expect(done.changes).toEqual([]);
    const changed = planBalancer(kv(['pkg=apt', 'haproxy=yes', 'config_sha=0123', 'active=active', 'enabled=enabled']), sha);
    expect(changed.changes).toEqual(['write /etc/haproxy/haproxy.cfg (checked with haproxy -c first)', 'reload haproxy']);
    expect(changed.actions).toMatchObject({ install: false, writeConfig: true, reloadOrStart: true });
    // Seen right after a reload: running, nothing to do (the lab's first run met it).
    expect(planBalancer(kv(['pkg=apt', 'haproxy=yes', `config_sha=${sha}`, 'active=reloading', 'enabled=enabled']), sha).changes).toEqual([]);
    const stopped = planBalancer(kv(['pkg=dnf', 'haproxy=yes', `config_sha=${sha}`, 'active=failed', 'enabled=enabled']), sha);
    expect(stopped.changes).toEqual(['start haproxy']);
  });

  it('probe then apply: the config is staged (never written over the live file), then checked and installed', async () => {
    const { hosts, inventory } = nodeLocal();
    const remote = new FakeRemote('node3');
    remote.responders.push(() => ({ stdout: 'pkg=apt\nhaproxy=no\nconfig_sha=absent\nactive=inactive\nenabled=\n' }));
    const ctx = fakeContext(hosts, [remote], undefined, inventory);
    const plan = await balancerStep.probe(ctx, hosts[2]!, remote);
    expect(plan.changes).toHaveLength(4);
    expect(remote.execs[0]!.script).toContain("ss -Hltnp \"sport = :$port\"");
    await balancerStep.apply(ctx, hosts[2]!, remote, plan);
    expect(remote.uploads.map((u) => [u.path, u.mode])).toEqual([['/etc/kubernetes/kinstall/haproxy.cfg.new', 0o644]]);
    expect(remote.uploads[0]!.content).toBe(renderHaproxyConfig(ctx));
    const apply = remote.execs[1]!.script;
    expect(apply).toContain('apt-get -o DPkg::Lock::Timeout=600 install -y -q haproxy');
    expect(apply).toContain('haproxy -c -f "$staged"');
  });

  it('the step acts on every target host with nodeLocal and on none otherwise', () => {
    const { hosts, inventory } = nodeLocal();
    expect(balancerStep.hosts(fakeContext(hosts, [], undefined, inventory)).map((h) => h.name)).toEqual(['node1', 'node2', 'node3']);
    expect(balancerStep.hosts(fakeContext(hosts, [], undefined, vip().inventory))).toEqual([]);
    expect(balancerStep.hosts(fakeContext(hosts, []))).toEqual([]);
  });
});

describe('kube-vip static pod', () => {
  it('the post-join apply refuses a control plane that has not joined, and writes on one that has', async () => {
    const { hosts, inventory } = vip();
    const remote = new FakeRemote('node2');
    remote.responders.push(() => ({ stdout: 'manifest_sha=absent\nadmin_conf=no\nkubelet_conf=no\n' }));
    const ctx = fakeContext(hosts, [remote], undefined, inventory);
    await expect(kubeVipStep.apply(ctx, hosts[1]!, remote, { changes: ['x'] })).rejects.toThrow(/node2 has not joined the cluster/);
    expect(remote.uploads).toEqual([]);
    const joined = new FakeRemote('node2');
    joined.responders.push(() => ({ stdout: 'manifest_sha=absent\nadmin_conf=yes\nkubelet_conf=yes\n' }));
    await kubeVipStep.apply(fakeContext(hosts, [joined], undefined, inventory), hosts[1]!, joined, { changes: ['x'] });
    expect(joined.uploads.map((u) => [u.path, u.mode])).toEqual([['/etc/kubernetes/manifests/kube-vip.yaml', 0o600]]);
  });

  it('manifests: golden, valid Pods with no unknown field', () => {
    for (const [name, inventory, bootstrap] of [
      ['kube-vip-bootstrap-1.29.yaml', vip().inventory, true],
      ['kube-vip.yaml', vip().inventory, false],
      ['kube-vip-bootstrap-1.28.yaml', vip('1.28.15').inventory, true],
    ] as const) {
      const text = renderKubeVipManifest(inventory, bootstrap);
      expectGolden(`endpoint/${name}`, text);
      const [pod, ...more] = parseYamlDocuments(text);
      expect(more).toEqual([]);
      new Pod(pod as never).validate();
      expect(unknownFields(pod!)).toEqual([]);
    }
  });

  it('super-admin.conf only while kubeadm 1.29+ inits; admin.conf otherwise', () => {
    const mounted = (text: string) => (parseYamlDocuments(text)[0] as any).spec.volumes[0].hostPath.path;
    expect(mounted(renderKubeVipManifest(vip().inventory, true))).toBe('/etc/kubernetes/super-admin.conf');
    expect(mounted(renderKubeVipManifest(vip().inventory, false))).toBe('/etc/kubernetes/admin.conf');
    expect(mounted(renderKubeVipManifest(vip('1.28.15').inventory, true))).toBe('/etc/kubernetes/admin.conf');
    const env = (parseYamlDocuments(renderKubeVipManifest(vip().inventory, false))[0] as any).spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'address', value: '10.77.0.100' }, { name: 'vip_interface', value: 'host0' }, { name: 'vip_arp', value: 'true' }]));
  });

  it('plan: before init only while there is no cluster; after joins only on a joined control plane', () => {
    expectGolden('endpoint/vip-probe.sh', renderKubeVipProbe());
    expect(planKubeVip(kv(['manifest_sha=absent', 'admin_conf=no', 'kubelet_conf=no']), 'x', 'before-init')).toHaveLength(1);
    expect(planKubeVip(kv(['manifest_sha=y', 'admin_conf=yes', 'kubelet_conf=yes']), 'x', 'before-init')).toEqual([]);
    expect(planKubeVip(kv(['manifest_sha=x', 'admin_conf=no', 'kubelet_conf=no']), 'x', 'before-init')).toEqual([]);
    // Not joined yet: planned (the join of the same run comes first), said so.
    expect(planKubeVip(kv(['manifest_sha=absent', 'admin_conf=no', 'kubelet_conf=no']), 'x', 'after-join')).toEqual(['write /etc/kubernetes/manifests/kube-vip.yaml (kube-vip with admin.conf, once kubeadm join has run)']);
    expect(planKubeVip(kv(['manifest_sha=boot', 'admin_conf=yes', 'kubelet_conf=yes']), 'x', 'after-join')).toHaveLength(1);
    expect(planKubeVip(kv(['manifest_sha=x', 'admin_conf=yes', 'kubelet_conf=yes']), 'x', 'after-join')).toEqual([]);
  });

  it('hosts: the first control plane before init, every control plane after joins, none without kubeVip', () => {
    const { hosts, inventory } = vip();
    const ctx = fakeContext(hosts, [], undefined, inventory);
    expect(kubeVipBootstrapStep.hosts(ctx).map((h) => h.name)).toEqual(['node1']);
    expect(kubeVipStep.hosts(ctx).map((h) => h.name)).toEqual(['node1', 'node2']);
    expect(kubeVipStep.hosts(fakeContext(hosts, [], undefined, nodeLocal().inventory))).toEqual([]);
  });
});
