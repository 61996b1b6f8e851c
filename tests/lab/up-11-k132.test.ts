import fs from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClusterReady, expectRerunChangesNothing, kubectl, type ClusterUnderTest } from '../e2e/cluster-checks.js';
import { rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, testKubeconfig } from './up-support.js';

/**
 * The 1.32 lab (issue 12 item 4, shape `k132`: three Debian 13 hosts, Kubernetes 1.32.3 from
 * lab/hosts/kubernetes.tsv, containerd unpinned so each host installs Debian 13's 1.7.24). What
 * runs here and nowhere else: kinstall's kubeadm v1beta4 configs, the 1.32 kubelet configuration,
 * containerd 1.7's config, and the REAL kubectl (the v1.32 repository's kubectl 1.32.3 is Debian
 * 13's binary), which kinstall's add-on steps and these checks drive against the API server
 * simulator.
 */
let l: LabDescription;
let cluster: ClusterUnderTest;

beforeAll(() => {
  buildCli();
  // Fresh hosts: a previous k132 run leaves a cluster on identical hosts, which lab:up would keep.
  const started = Date.now();
  l = freshLab(3, { LAB_SHAPE: 'k132', LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '', LAB_DIRECT: '' });
  // The times docs/lab.md quotes per shape, printed where CI logs them.
  console.log(`k132 lab up (fresh hosts): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  cluster = {
    hosts: l.hosts,
    rootSh: (h, script) => rootSh(l, l.hosts.find((x) => x.name === h.name)!, script),
    registryLogFile: `${l.labDir}/run/registry.log`,
  };
  fs.rmSync(testKubeconfig, { force: true });
});

afterAll(() => {
  // Later files (and `npm run lab`) expect the default lab. Fresh hosts, not a plain lab:up: a host
  // replaced by lab:up keeps its cgroup subtree (klab-nodeN), and the pods' cgroups the 1.32
  // cluster left there made the new Debian 12 hosts boot "degraded"; freshLab removes them.
  freshLab(3, { LAB_SHAPE: 'default', LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '', LAB_DIRECT: '' });
});

describe('kinstall up on the 1.32 lab (Debian 13, containerd 1.7, the real kubectl)', () => {
  it('the lab inventory asks for Kubernetes 1.32.3 and leaves containerd to the release', () => {
    const inv = parse(fs.readFileSync(l.inventory, 'utf8')) as { kubernetes: { version: string }; containerd: { version?: string } };
    expect(inv.kubernetes.version).toBe('1.32.3');
    expect(inv.containerd.version).toBeUndefined();
    expect(l.hosts.map((h) => `${h.os}/${h.profile}/${h.role}`)).toEqual(['trixie/full/control-plane', 'trixie/full/worker', 'trixie/full/worker']);
  });

  it('converges: every node Ready, flannel and the dashboard up; a re-run changes nothing', () => {
    let t = Date.now();
    const first = kinstall('up', l.inventory);
    console.log(`k132 kinstall up: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expectClusterReady(cluster);
    t = Date.now();
    const again = kinstall('up', l.inventory);
    console.log(`k132 kinstall up re-run: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expectRerunChangesNothing(again);
  });

  it('kubectl on every host is the real 1.32.3 client, not a simulator', () => {
    for (const h of l.hosts) {
      const out = rootSh(l, h, 'kubectl version --client 2>&1');
      expect(out, h.name).toMatch(/^Client Version: v1\.32\.3$/m);
      expect(out, h.name).toMatch(/^Kustomize Version: v5\./m);
      expect(out.toLowerCase(), h.name).not.toContain('simulator');
      expect(rootSh(l, h, "dpkg-query -W -f='${Version}' kubectl"), h.name).toBe('1.32.3-1.1');
      // The binary is Go's, not the Node simulator's script.
      expect(rootSh(l, h, 'head -c 4 "$(readlink -f "$(command -v kubectl)")" | od -An -c | tr -d " "'), h.name).toBe('177ELF');
    }
    // And the server answers it: get with Table output, through the real client.
    expect(kubectl(cluster, 'get nodes --no-headers').split('\n')).toHaveLength(l.hosts.length);
  });

  it('kubeadm got a v1beta4 config; kubelet and kubeadm are 1.32.3; containerd is Debian 13\'s 1.7.24', () => {
    // kinstall removes its secret-bearing config after init; the kubeadm simulator uploads the
    // ClusterConfiguration document as it was given (real kubeadm would store its newest version).
    const clusterConfig = kubectl(cluster, "-n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}'");
    expect(clusterConfig).toMatch(/^apiVersion: kubeadm\.k8s\.io\/v1beta4$/m);
    expect(clusterConfig).toMatch(/^kubernetesVersion: v?1\.32\.3$/m);
    for (const h of l.hosts) {
      const versions = rootSh(l, h, "dpkg-query -W -f='${Package}=${Version}\\n' kubeadm kubelet containerd").split('\n').sort();
      expect(versions[0], h.name).toMatch(/^containerd=1\.7\.24~/);
      expect(versions.slice(1), h.name).toEqual(['kubeadm=1.32.3-1.1', 'kubelet=1.32.3-1.1']);
      expect(rootSh(l, h, 'cat /etc/containerd/config.toml'), h.name).toMatch(/SystemdCgroup = true/);
      expect(rootSh(l, h, 'cat /var/lib/kubelet/config.yaml'), h.name).toMatch(/^cgroupDriver: systemd$/m);
    }
    const nodeVersions = kubectl(cluster, "get nodes -o jsonpath='{range .items[*]}{.status.nodeInfo.kubeletVersion}{\"\\n\"}{end}'");
    expect(nodeVersions.split('\n')).toEqual(l.hosts.map(() => 'v1.32.3'));
  });
});
