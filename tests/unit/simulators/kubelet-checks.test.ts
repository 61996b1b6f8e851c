import { describe, expect, it } from 'vitest';
import {
  KubeletFatal, activeSwaps, cgroupDriverError, containerdCgroupDriver, parseKubeletConfig,
  parseKubeletFlags, parseTaint, readyCondition, swapError,
} from '../../../lab/simulators/src/common/kubelet-checks.js';

const CONFIG = '/var/lib/kubelet/config.yaml';
const HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority';

describe('kubelet flags', () => {
  it('parses the drop-in command line kubeadm produces', () => {
    const f = parseKubeletFlags([
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
      '--pod-infra-container-image=registry.k8s.io/pause:3.9', '--node-ip', '10.77.0.11', '--node-labels=a=b,c=d',
    ]);
    expect(f).toMatchObject({ config: CONFIG, kubeconfig: '/etc/kubernetes/kubelet.conf', nodeIp: '10.77.0.11', nodeLabels: { a: 'b', c: 'd' } });
  });
  it('rejects flags removed from kubelet 1.28 and unknown ones', () => {
    expect(() => parseKubeletFlags(['--container-runtime=remote'])).toThrow('unknown flag: --container-runtime');
    expect(() => parseKubeletFlags(['--network-plugin=cni'])).toThrow('unknown flag: --network-plugin');
  });
  it('rejects a value flag without its value and bad booleans', () => {
    expect(() => parseKubeletFlags(['--config'])).toThrow('flag needs an argument: --config');
    expect(() => parseKubeletFlags(['--fail-swap-on=maybe'])).toThrow('strconv.ParseBool');
  });
  it('parses taints and refuses malformed ones', () => {
    expect(parseTaint('node-role.kubernetes.io/control-plane:NoSchedule')).toEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    expect(parseTaint('a=b:NoExecute')).toEqual({ key: 'a', value: 'b', effect: 'NoExecute' });
    expect(() => parseTaint('a=b')).toThrow(KubeletFatal);
  });
});

describe('kubelet config.yaml', () => {
  const base = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nstaticPodPath: /etc/kubernetes/manifests\n';
  it('accepts what kubeadm writes', () => {
    const c = parseKubeletConfig(base + 'clusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n', CONFIG);
    expect(c).toMatchObject({ cgroupDriver: 'systemd', failSwapOn: true, staticPodPath: '/etc/kubernetes/manifests', clusterDNS: ['10.96.0.10'], maxPods: 110 });
  });
  it('fails on an unknown field (strict decoding)', () => {
    expect(() => parseKubeletConfig(base + 'cgroupDrivr: systemd\n', CONFIG)).toThrow('strict decoding error: unknown field "cgroupDrivr"');
  });
  it('fails on the wrong apiVersion or kind', () => {
    expect(() => parseKubeletConfig(base.replace('v1beta1', 'v1'), CONFIG)).toThrow('no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1"');
    expect(() => parseKubeletConfig('apiVersion: kubelet.config.k8s.io/v1beta1\n', CONFIG)).toThrow("Object 'Kind' is missing");
  });
  it('fails on an invalid cgroup driver and mistyped fields', () => {
    expect(() => parseKubeletConfig(base.replace('cgroupDriver: systemd', 'cgroupDriver: docker'), CONFIG)).toThrow('"docker" is not a valid cgroup driver');
    expect(() => parseKubeletConfig(base + 'failSwapOn: "no"\n', CONFIG)).toThrow('KubeletConfiguration.failSwapOn of type bool');
  });
  it('defaults cgroupDriver to cgroupfs like the kubelet', () => {
    expect(parseKubeletConfig('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n', CONFIG).cgroupDriver).toBe('cgroupfs');
  });
});

describe('swap', () => {
  const withSwap = `${HEADER}\n/swapfile                               file\t\t1048572\t\t0\t\t-2\n`;
  it('refuses to run with swap on, with the real message', () => {
    expect(activeSwaps(withSwap)).toHaveLength(1);
    expect(swapError(withSwap, true)).toMatch(/^failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false\. \/proc\/swaps contained: \[Filename.*\/swapfile/);
  });
  it('runs when swap is off or failSwapOn is false', () => {
    expect(swapError(`${HEADER}\n`, true)).toBeNull();
    expect(swapError(withSwap, false)).toBeNull();
  });
});

describe('cgroup driver', () => {
  const toml = (v: string) => `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = ${v}\n`;
  it('reads SystemdCgroup from the runc options of containerd', () => {
    expect(containerdCgroupDriver(toml('true'))).toBe('systemd');
    expect(containerdCgroupDriver(toml('false'))).toBe('cgroupfs');
    expect(containerdCgroupDriver(null)).toBe('cgroupfs');
    expect(containerdCgroupDriver('# SystemdCgroup = true\n')).toBe('cgroupfs');
    expect(containerdCgroupDriver('[other]\nSystemdCgroup = true\n')).toBe('cgroupfs');
  });
  it('reports a mismatch like the kubelet', () => {
    expect(cgroupDriverError('systemd', 'systemd')).toBeNull();
    expect(cgroupDriverError('systemd', 'cgroupfs')).toBe('failed to run Kubelet: misconfiguration: kubelet cgroup driver: "systemd" is different from containerd cgroup driver: "cgroupfs"');
  });
});

describe('Ready condition', () => {
  const rt = (ready: boolean) => ({ type: 'RuntimeReady', status: ready, reason: '', message: '' });
  const noCni = { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' };
  it('is False with the CNI reason until containerd has a CNI config', () => {
    const c = readyCondition([rt(true), noCni]);
    expect(c.status).toBe('False');
    expect(c.message).toBe('container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized');
  });
  it('is True once runtime and network are ready', () => {
    expect(readyCondition([rt(true), { ...noCni, status: true, reason: '', message: '' }])).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  });
  it('is False when the runtime is down or not ready', () => {
    expect(readyCondition(null).status).toBe('False');
    expect(readyCondition([rt(false), { ...noCni, status: true }]).message).toContain('RuntimeReady=false');
  });
});
