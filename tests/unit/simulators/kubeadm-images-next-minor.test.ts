// `kubeadm config images list` of an OLD kubeadm asked for the next minor (what kinstall's images
// step met in a minor upgrade, with the old kubeadm still installed). Upstream
// (cmd/kubeadm/app/constants/constants.go EtcdSupportedVersion, images.go GetEtcdImageTag): the
// target's control-plane images, the old kubeadm's own pause/CoreDNS, and its NEAREST etcd with a
// warning logged at --v=1 only. The simulator used to fail instead ("does not know which etcd").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubeadm } from '../../../lab/simulators/src/kubeadm.js';

describe('kubeadm simulator: config images list for the next minor', () => {
  let base: string;
  const saved = { root: process.env.KINSTALL_SIM_ROOT, version: process.env.KINSTALL_SIM_VERSION_FILE };
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubeadm-next-'));
    fs.writeFileSync(path.join(base, 'version.json'), '{"kubernetes":"1.31.2"}');
    process.env.KINSTALL_SIM_VERSION_FILE = path.join(base, 'version.json');
    process.env.KINSTALL_SIM_ROOT = base;
  });
  afterAll(() => {
    for (const [k, v] of [['KINSTALL_SIM_ROOT', saved.root], ['KINSTALL_SIM_VERSION_FILE', saved.version]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(base, { recursive: true, force: true });
  });
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runKubeadm(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('kubeadm 1.31.2 lists v1.32.3 images with its own newest etcd (3.5.15-0), silently at the default verbosity', async () => {
    const res = await run(['config', 'images', 'list', '--kubernetes-version', 'v1.32.3']);
    expect(res.code).toBe(0);
    expect(res.out).toEqual([
      'registry.k8s.io/kube-apiserver:v1.32.3', 'registry.k8s.io/kube-controller-manager:v1.32.3',
      'registry.k8s.io/kube-scheduler:v1.32.3', 'registry.k8s.io/kube-proxy:v1.32.3',
      'registry.k8s.io/coredns/coredns:v1.11.3', 'registry.k8s.io/pause:3.10', 'registry.k8s.io/etcd:3.5.15-0',
    ]);
    expect(res.err.join('\n')).not.toContain('falling back');
    // The version-skew warning of NormalizeKubernetesVersion is printed at any verbosity.
    expect(res.err.join('\n')).toContain('Kubernetes version is greater than kubeadm version');
  });

  it('with --v=1 the nearest-etcd fallback is logged as upstream words it', async () => {
    const res = await run(['config', 'images', 'list', '--kubernetes-version', 'v1.32.3', '--v=1']);
    expect(res.code).toBe(0);
    expect(res.err.join('\n')).toMatch(/^I\d{4} .* images\.go:\d+\] WARNING: could not find officially supported version of etcd for Kubernetes v1\.32\.3, falling back to the nearest etcd version \(3\.5\.15-0\)$/m);
  });
});
