import { describe, expect, it } from 'vitest';
import { planAddon } from '../../../src/steps/addon.js';
import { aptVersionPattern, binaryUrl, containerdVersionMatches, planContainerd, resolveAptVersion } from '../../../src/steps/containerd.js';
import { planInit } from '../../../src/steps/init.js';
import { planJoin } from '../../../src/steps/join.js';
import { planKubePackages } from '../../../src/steps/kube-packages.js';
import { planKubeconfig, rewriteKubeconfigServer } from '../../../src/steps/kubeconfig.js';
import { firewallPorts, hostsEntries, planPrepareHost, type PrepareHostDesired } from '../../../src/steps/prepare-host.js';
import { parseKv, withPort } from '../../../src/steps/remote.js';
import { labCluster } from './inventories.js';

const state = (text: string) => parseKv(text.trim().split('\n').map((l) => l.trim()).join('\n'));

describe('parseKv', () => {
  it('keeps repeated keys in order, splits at the first =, ignores other lines', () => {
    const s = parseKv('a=1\nnoise\ncandidate=x=y\ncandidate=z\n');
    expect(s.get('a')).toEqual(['1']);
    expect(s.get('candidate')).toEqual(['x=y', 'z']);
    expect(s.has('noise')).toBe(false);
  });
});

describe('planPrepareHost', () => {
  const desired: PrepareHostDesired = { hostname: 'node1', hostsBlockSha: 'H', modulesConfSha: 'M', sysctlConfSha: 'S', ports: [] };
  const converged = `
    hostname=node1
    etc_hostname=node1
    hosts_block_sha=H
    swaps_active=0
    fstab_swap=0
    modules_conf_sha=M
    sysctl_conf_sha=S
    module_overlay=present
    module_br_netfilter=present
    sysctl_net.ipv4.ip_forward=1
    sysctl_net.bridge.bridge-nf-call-iptables=1
    sysctl_net.bridge.bridge-nf-call-ip6tables=1
    selinux=absent
    selinux_config=
    firewall=none
    timesync=present
    pkg=apt`;
  const drift = (from: string, to: string) => planPrepareHost(state(converged.replace(from, to)), desired);

  it('converged → no changes', () => {
    expect(planPrepareHost(state(converged), desired).changes).toEqual([]);
  });
  it('each drift → its own change line', () => {
    expect(drift('hostname=node1', 'hostname=localhost').changes).toEqual(['set hostname node1 (now localhost)']);
    expect(drift('hosts_block_sha=H', 'hosts_block_sha=X').changes).toEqual(['write the cluster nodes to /etc/hosts']);
    expect(drift('swaps_active=0', 'swaps_active=1').changes).toEqual(['turn swap off (1 active)']);
    expect(drift('fstab_swap=0', 'fstab_swap=2').changes).toEqual(['comment out 2 swap line(s) in /etc/fstab']);
    expect(drift('modules_conf_sha=M', 'modules_conf_sha=absent').changes).toEqual(['write /etc/modules-load.d/kubernetes.conf']);
    expect(drift('module_br_netfilter=present', 'module_br_netfilter=absent').changes).toEqual(['load kernel modules: br_netfilter']);
    expect(drift('sysctl_conf_sha=S', 'sysctl_conf_sha=absent').changes).toEqual(['write /etc/sysctl.d/99-kubernetes.conf']);
    expect(drift('sysctl_net.ipv4.ip_forward=1', 'sysctl_net.ipv4.ip_forward=0').changes).toEqual(['apply sysctls: net.ipv4.ip_forward=0→1']);
    expect(drift('selinux=absent', 'selinux=enforcing').changes).toEqual(['set SELinux to permissive (now and in /etc/selinux/config)']);
    expect(drift('timesync=present', 'timesync=absent').changes).toEqual(['install a time sync service']);
  });
  it('a host that keeps its hostname is not renamed', () => {
    expect(planPrepareHost(state(converged.replace('hostname=node1', 'hostname=other')), { ...desired, hostname: undefined }).changes).toEqual([]);
  });
  it('opens only the closed ports of the active firewall', () => {
    const { hosts, inventory } = labCluster();
    const ports = firewallPorts(hosts[1]!, inventory);
    expect(ports.map((p) => p.firewalld)).toEqual(['10250/tcp', '30000-32767/tcp', '8472/udp']);
    const s = state(converged.replace('firewall=none', 'firewall=firewalld\nport_open=10250/tcp'));
    const plan = planPrepareHost(s, { ...desired, ports });
    expect(plan.changes).toEqual(['open firewalld ports: 30000-32767/tcp 8472/udp']);
    expect(plan.actions.openPorts.map((p) => p.ufw)).toEqual(['30000:32767/tcp', '8472/udp']);
  });
});

describe('containerd', () => {
  const files = [{ path: '/etc/containerd/config.toml', sha: 'C' }, { path: '/etc/containerd/certs.d/docker.io/hosts.toml', sha: 'D' }];
  const converged = `
    pkg=apt
    installed=1.6.20~ds1-1+deb12u2
    held=yes
    candidate=1.6.20~ds1-1+deb12u3
    candidate=1.6.20~ds1-1+deb12u2
    config_sha=C
    file_sha:/etc/containerd/certs.d/docker.io/hosts.toml=D
    active=yes
    cri=ok`;
  const desired = { source: 'package' as const, version: '1.6.20', files };
  const drift = (from: string, to: string) => planContainerd(state(converged.replace(from, to)), desired);

  it('version matching and apt resolution', () => {
    expect(containerdVersionMatches('1.6.20~ds1-1+deb12u2', '1.6.20')).toBe(true);
    expect(containerdVersionMatches('1.6.24~ds1-1', '1.6.20')).toBe(false);
    expect(containerdVersionMatches('1.6.20~ds1-1+deb12u2', '1.6.20~ds1-1+deb12u3')).toBe(false);
    expect(containerdVersionMatches('1.7.25-3.1.el9', '1.7.25')).toBe(true);
    expect(resolveAptVersion(['1.6.200-1', '1:1.6.20~ds1-1+deb12u3', '1.6.20~ds1-1+deb12u2'], '1.6.20')).toBe('1:1.6.20~ds1-1+deb12u3');
    expect(resolveAptVersion(['1.7.0-1'], '1.6.20')).toBeUndefined();
    expect(new RegExp(aptVersionPattern('1.6.20')).test('1.6.2000')).toBe(false);
    expect(binaryUrl('https://m/v{version}/containerd-{version}-linux-{arch}.tar.gz', 'v1.7.25', 'arm64')).toBe('https://m/v1.7.25/containerd-1.7.25-linux-arm64.tar.gz');
  });
  it('converged → no changes', () => {
    expect(planContainerd(state(converged), desired).changes).toEqual([]);
  });
  it('not installed → install the resolved exact version, then restart', () => {
    const p = drift('installed=1.6.20~ds1-1+deb12u2', 'installed=absent');
    expect(p.changes).toEqual(['install containerd 1.6.20~ds1-1+deb12u3', 'restart containerd and check CRI v1 answers']);
    expect(p.actions.exactVersion).toBe('1.6.20~ds1-1+deb12u3');
  });
  it('wrong version → reinstall; unheld → hold only', () => {
    expect(drift('installed=1.6.20~ds1-1+deb12u2', 'installed=1.7.24~ds1-1').changes[0]).toBe('install containerd 1.6.20~ds1-1+deb12u3 (now 1.7.24~ds1-1)');
    const hold = drift('held=yes', 'held=no');
    expect(hold.changes).toEqual(['hold containerd at 1.6.20~ds1-1+deb12u2']);
    expect(hold.actions).toMatchObject({ install: false, hold: true, restart: false });
  });
  it('a changed file is written and containerd restarted; nothing restarts otherwise', () => {
    const p = drift('file_sha:/etc/containerd/certs.d/docker.io/hosts.toml=D', 'file_sha:/etc/containerd/certs.d/docker.io/hosts.toml=absent');
    expect(p.changes).toEqual(['write /etc/containerd/certs.d/docker.io/hosts.toml', 'restart containerd and check CRI v1 answers']);
    expect(p.actions.upload).toEqual(['/etc/containerd/certs.d/docker.io/hosts.toml']);
    expect(drift('config_sha=C', 'config_sha=old').actions.upload).toEqual(['/etc/containerd/config.toml']);
  });
  it('stopped or CRI disabled → start/restart', () => {
    expect(drift('active=yes', 'active=no').changes).toEqual(['start containerd']);
    expect(drift('cri=ok', 'cri=disabled').changes).toEqual(['restart containerd (CRI v1 is disabled in the config)']);
  });
  it('binary source compares the installed archive hash', () => {
    const bin = { source: 'binary' as const, version: '1.7.25', binarySha256: 'a'.repeat(64), files };
    expect(planContainerd(state(`${converged}\narchive_sha=${'a'.repeat(64)}`), bin).changes).toEqual([]);
    expect(planContainerd(state(`${converged}\narchive_sha=absent`), bin).changes[0]).toMatch(/^install containerd 1.7.25 from the release archive/);
  });
});

describe('planKubePackages', () => {
  const converged = `
    pkg=apt
    repo_sha=R
    keyring=present
    installed_kubeadm=1.28.15-1.1
    held_kubeadm=yes
    installed_kubelet=1.28.15-1.1
    held_kubelet=yes
    installed_kubectl=1.28.15-1.1
    held_kubectl=yes
    installed_cri-tools=1.28.0-1.1
    held_cri-tools=no
    kubelet_enabled=yes`;
  const desired = { repoSha: 'R', version: '1.28.15-1.1' };
  const drift = (from: string, to: string) => planKubePackages(state(converged.replace(from, to)), desired);
  it('converged → no changes', () => {
    expect(planKubePackages(state(converged), desired).changes).toEqual([]);
  });
  it('each drift → its change', () => {
    expect(drift('repo_sha=R', 'repo_sha=absent').changes).toEqual([
      'write the Kubernetes package repository (/etc/apt/sources.list.d/kubernetes.list)',
      'fetch the repository signing key into /etc/apt/keyrings/kubernetes-apt-keyring.gpg',
    ]);
    expect(drift('keyring=present', 'keyring=absent').changes).toEqual(['fetch the repository signing key into /etc/apt/keyrings/kubernetes-apt-keyring.gpg']);
    expect(drift('installed_kubelet=1.28.15-1.1', 'installed_kubelet=1.28.14-1.1').changes).toEqual([
      'install kubelet 1.28.15-1.1 (now 1.28.14-1.1)',
      'hold kubeadm, kubelet, kubectl',
    ]);
    expect(drift('installed_cri-tools=1.28.0-1.1', 'installed_cri-tools=absent').changes).toEqual(['install cri-tools', 'hold kubeadm, kubelet, kubectl']);
    expect(drift('held_kubectl=yes', 'held_kubectl=no').changes).toEqual(['hold kubectl']);
    expect(drift('kubelet_enabled=yes', 'kubelet_enabled=no').changes).toEqual(['enable kubelet']);
  });
});

describe('planInit', () => {
  it('a completed init (marker, or API + cluster-info) is never run again', () => {
    expect(planInit(state('init_done=yes\nadmin_conf=yes\napiserver_manifest=yes\napi=ok\nadmin_conf_sha=A\nroot_kubeconfig_sha=A')).changes).toEqual([]);
    expect(planInit(state('init_done=no\nadmin_conf=yes\napi=ok\ncluster_info=yes\nadmin_conf_sha=A\nroot_kubeconfig_sha=A')).changes).toEqual([]);
    expect(planInit(state('init_done=yes\nadmin_conf=yes\napi=ok\nadmin_conf_sha=A\nroot_kubeconfig_sha=absent')).changes).toEqual(['copy admin.conf to /root/.kube/config']);
  });
  it('fresh host → init', () => {
    const p = planInit(state('init_done=no\nadmin_conf=no\napiserver_manifest=no\napi=down\nadmin_conf_sha=absent\nroot_kubeconfig_sha=absent'));
    expect(p.actions).toEqual({ init: true, resetFirst: false });
    expect(p.changes).toContain('kubeadm init --upload-certs');
  });
  it('cut mid-init (files, API down or without cluster-info) → reset first, then init', () => {
    expect(planInit(state('init_done=no\nadmin_conf=no\napiserver_manifest=yes\napi=down')).actions).toEqual({ init: true, resetFirst: true });
    expect(planInit(state('init_done=no\nadmin_conf=yes\napiserver_manifest=yes\napi=down')).actions).toEqual({ init: true, resetFirst: true });
    expect(planInit(state('init_done=no\nadmin_conf=yes\napiserver_manifest=yes\napi=ok\ncluster_info=no')).actions).toEqual({ init: true, resetFirst: true });
  });
  it('completed but API down → wait, no second init', () => {
    const p = planInit(state('init_done=yes\nadmin_conf=yes\napi=down\nadmin_conf_sha=A\nroot_kubeconfig_sha=A'));
    expect(p.actions.init).toBe(false);
    expect(p.changes).toEqual(['wait for the API server (kubeadm init completed but /readyz does not answer)']);
  });
});

describe('planJoin', () => {
  const clean = state('kubelet_conf=no\npki_ca_crt=no\nmanifests_kube_apiserver_yaml=no');
  it('member (kubelet.conf + listed) → skipped', () => {
    expect(planJoin(state('kubelet_conf=yes\npki_ca_crt=yes'), 'yes', 'worker').changes).toEqual([]);
  });
  it('fresh host → join', () => {
    const p = planJoin(clean, 'unknown', 'worker');
    expect(p.changes).toEqual(['join the cluster as a worker (kubeadm join --config /etc/kubernetes/kinstall/kubeadm-join.yaml, 0600)']);
    expect(p.actions.resetFirst).toBe(false);
  });
  it('files of a cut join but not a node → reset, then join (no duplicate)', () => {
    const p = planJoin(state('kubelet_conf=yes\npki_ca_crt=yes'), 'no', 'control plane');
    expect(p.actions.resetFirst).toBe(true);
    expect(p.changes[1]).toMatch(/as a control plane/);
  });
});

describe('hostsEntries (/etc/hosts block per host)', () => {
  const { hosts, inventory } = labCluster();
  const ctx = { hosts, inventory };
  const names = (h: (typeof hosts)[number], c: { hosts: typeof hosts; inventory: typeof inventory } = ctx) => hostsEntries(c, h).map((e) => `${e.internalAddress} ${e.name}`);
  it('a worker gets itself and the control planes; a control plane only the control planes', () => {
    expect(names(hosts[2]!)).toEqual(['10.77.0.11 node1', '10.77.0.13 node3']);
    expect(names(hosts[0]!)).toEqual(['10.77.0.11 node1']);
  });
  it('adding a worker changes nothing on the existing hosts', () => {
    const node4 = { ...hosts[2]!, name: 'node4', address: '10.77.0.14', internalAddress: '10.77.0.14' };
    const bigger = { hosts: [...hosts, node4], inventory };
    for (const h of hosts) expect(names(h, bigger)).toEqual(names(h));
    expect(names(node4, bigger)).toEqual(['10.77.0.11 node1', '10.77.0.14 node4']);
  });
  it('a controlPlaneEndpoint naming a known host adds that name; an unknown name (DNS) adds nothing', () => {
    const withWorkerEndpoint = { hosts, inventory: { ...inventory, kubernetes: { ...inventory.kubernetes, controlPlaneEndpoint: 'node3:6443' } } };
    expect(names(hosts[1]!, withWorkerEndpoint)).toEqual(['10.77.0.11 node1', '10.77.0.12 node2', '10.77.0.13 node3']);
    const dns = { hosts, inventory: { ...inventory, kubernetes: { ...inventory.kubernetes, controlPlaneEndpoint: 'api.example.com:6443' } } };
    expect(names(hosts[1]!, dns)).toEqual(names(hosts[1]!));
  });
});

describe('planAddon', () => {
  const wl = [{ kind: 'daemonset' as const, name: 'kube-flannel-ds', namespace: 'kube-flannel' }];
  it('converged → no changes', () => {
    expect(planAddon(state('manifest_sha=F\napi=ok\nworkload:daemonset/kube-flannel-ds=3 3'), 'F', wl, 'cni').changes).toEqual([]);
  });
  it('manifest drift, missing object, not ready', () => {
    expect(planAddon(state('manifest_sha=old\napi=ok\nworkload:daemonset/kube-flannel-ds=3 3'), 'F', wl, 'cni').changes).toEqual(['kubectl apply the cni manifest']);
    expect(planAddon(state('manifest_sha=F\napi=ok\nworkload:daemonset/kube-flannel-ds=absent'), 'F', wl, 'cni').changes).toEqual([
      'kubectl apply the cni manifest',
      'wait for daemonset kube-flannel/kube-flannel-ds to be ready',
    ]);
    const notReady = planAddon(state('manifest_sha=F\napi=ok\nworkload:daemonset/kube-flannel-ds=3 1'), 'F', wl, 'cni');
    expect(notReady.changes).toEqual(['wait for daemonset kube-flannel/kube-flannel-ds to be ready (1/3)']);
    expect(notReady.actions.upload).toBe(false);
  });
  it('a DaemonSet with nothing scheduled yet (0 desired, or no status) is not ready', () => {
    expect(planAddon(state('manifest_sha=F\napi=ok\nworkload:daemonset/kube-flannel-ds=0 0'), 'F', wl, 'cni').changes).toEqual([
      'wait for daemonset kube-flannel/kube-flannel-ds to be ready (0/0)',
    ]);
    expect(planAddon(state('manifest_sha=F\napi=ok\nworkload:daemonset/kube-flannel-ds= '), 'F', wl, 'cni').changes).toHaveLength(1);
  });
});

describe('kubeconfig', () => {
  it('rewrites every server line only', () => {
    const text = 'clusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://10.77.0.11:6443\n  name: lab\n';
    expect(rewriteKubeconfigServer(text, 'https://api.example:6443')).toBe(text.replace('https://10.77.0.11:6443', 'https://api.example:6443'));
    expect(withPort('api.example')).toBe('api.example:6443');
    expect(withPort('api.example:8443')).toBe('api.example:8443');
    expect(withPort('fd00::1')).toBe('[fd00::1]:6443');
  });
  it('local copy and node readiness', () => {
    const s = state('admin_conf=yes\nrewritten_sha=K\nnode:node1=True\nnode:node2=False');
    const p = planKubeconfig(s, { path: '/x/lab.kubeconfig', sha: 'K', mode: 0o600 }, ['node1', 'node2', 'node3']);
    expect(p.changes).toEqual(['wait for node node2 to become Ready', 'wait for node node3 to register and become Ready']);
    expect(p.actions).toEqual({ write: false, waitFor: ['node2', 'node3'] });
    expect(planKubeconfig(s, { path: '/x/k', sha: 'K', mode: 0o644 }, ['node1']).changes).toEqual(['write /x/k (0600) from the first control plane\'s admin.conf']);
    expect(planKubeconfig(s, { path: '/x/k', sha: 'K', mode: 0o600 }, ['node1']).changes).toEqual([]);
  });
});
