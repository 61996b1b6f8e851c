import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, type K8sObject } from './k8s-objects.js';
import { expectGolden } from '../../helpers/golden.js';
import {
  apiServerCertSANs,
  corednsImage,
  endpointHost,
  kubeadmImages,
  renderKubeadmInitConfig,
  renderKubeadmJoinConfig,
} from '../../../src/kube/kubeadm.js';
import { caCertHash, certificateKey, inventory128, inventory132, resolved, token } from './fixtures.js';

function docs(text: string): Record<string, K8sObject> {
  return Object.fromEntries(parseYamlDocuments(text).map((d) => [d.kind, d]));
}

describe('renderKubeadmInitConfig', () => {
  const init128 = renderKubeadmInitConfig({ inventory: inventory128, host: resolved(inventory128, 'cp1') });
  const init132 = renderKubeadmInitConfig({
    inventory: inventory132,
    host: resolved(inventory132, 'cp-a'),
    bootstrapToken: token,
    certificateKey,
  });

  it('matches the golden files', () => {
    expectGolden('kubeadm/init-1.28.15.yaml.golden', init128);
    expectGolden('kubeadm/init-1.32.4.yaml.golden', init132);
  });

  it('uses kubeadm.k8s.io/v1beta3 below 1.31 and v1beta4 from 1.31', () => {
    const d128 = docs(init128);
    const d132 = docs(init132);
    expect(d128.InitConfiguration!.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(d128.ClusterConfiguration!.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(d132.InitConfiguration!.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(d132.ClusterConfiguration!.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(d128.KubeletConfiguration!.apiVersion).toBe('kubelet.config.k8s.io/v1beta1');
  });

  it('advertises and registers the node on its internal address over containerd', () => {
    const nr128 = docs(init128).InitConfiguration!;
    expect(nr128.localAPIEndpoint).toEqual({ advertiseAddress: '10.77.0.10', bindPort: 6443 });
    expect(nr128.nodeRegistration.name).toBe('cp1');
    expect(nr128.nodeRegistration.criSocket).toBe('unix:///run/containerd/containerd.sock');
    // v1beta3: a map; v1beta4: a list of name/value pairs.
    expect(nr128.nodeRegistration.kubeletExtraArgs).toEqual({ 'node-ip': '10.77.0.10' });
    const nr132 = docs(init132).InitConfiguration!;
    expect(nr132.localAPIEndpoint.advertiseAddress).toBe('172.16.0.10');
    expect(nr132.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '172.16.0.10' }]);
  });

  it('keeps the control-plane taint unless the control plane is also a worker', () => {
    expect(docs(init128).InitConfiguration!.nodeRegistration).not.toHaveProperty('taints');
    const both = renderKubeadmInitConfig({ inventory: inventory132, host: resolved(inventory132, 'cp-b') });
    expect(docs(both).InitConfiguration!.nodeRegistration.taints).toEqual([]);
  });

  it('carries the bootstrap token and certificate key only when given', () => {
    const i128 = docs(init128).InitConfiguration!;
    expect(i128).not.toHaveProperty('bootstrapTokens');
    expect(i128).not.toHaveProperty('certificateKey');
    expect(init128).not.toMatch(/token:/);
    const i132 = docs(init132).InitConfiguration!;
    expect(i132.bootstrapTokens).toEqual([
      {
        token,
        ttl: '1h0m0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ]);
    expect(i132.certificateKey).toBe(certificateKey);
  });

  it('configures the cluster from the inventory', () => {
    const c128 = docs(init128).ClusterConfiguration!;
    expect(c128.clusterName).toBe('lab');
    expect(c128.kubernetesVersion).toBe('v1.28.15');
    expect(c128.imageRepository).toBe('10.77.255.1:5000/google_containers');
    expect(c128.networking).toEqual({ dnsDomain: 'cluster.local', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' });
    expect(c128).not.toHaveProperty('controlPlaneEndpoint');
    expect(c128.apiServer.certSANs).toEqual(['cp1', '10.77.0.10']);

    const c132 = docs(init132).ClusterConfiguration!;
    expect(c132.kubernetesVersion).toBe('v1.32.4');
    expect(c132.imageRepository).toBe('registry.k8s.io');
    expect(c132.controlPlaneEndpoint).toBe('api.prod.example.internal:6443');
    expect(c132.networking).toEqual({ dnsDomain: 'prod.internal', podSubnet: '10.200.0.0/16', serviceSubnet: '10.100.0.0/16' });
    expect(c132.apiServer.certSANs).toEqual([
      'api.prod.example.internal',
      'cp-a',
      '172.16.0.10',
      '192.0.2.10',
      'cp-b',
      '172.16.0.11',
      '192.0.2.11',
    ]);
  });

  it('leaves dns.imageRepository unset: kubeadm already uses the flat <repo>/coredns path for a mirror', () => {
    expect(docs(init128).ClusterConfiguration).not.toHaveProperty('dns');
    expect(docs(init132).ClusterConfiguration).not.toHaveProperty('dns');
    expect(corednsImage(inventory128)).toBe('10.77.255.1:5000/google_containers/coredns:v1.10.1');
    expect(corednsImage(inventory132)).toBe('registry.k8s.io/coredns/coredns:v1.11.3');
  });

  it('sets the kubelet cgroup driver to systemd', () => {
    expect(docs(init128).KubeletConfiguration!.cgroupDriver).toBe('systemd');
    expect(docs(init132).KubeletConfiguration!.cgroupDriver).toBe('systemd');
  });

  it('renders exactly these documents (no KubeProxyConfiguration)', () => {
    expect(Object.keys(docs(init132)).sort()).toEqual(['ClusterConfiguration', 'InitConfiguration', 'KubeletConfiguration']);
  });

  it('rejects malformed secrets without echoing them, and workers', () => {
    const host = resolved(inventory128, 'cp1');
    expect(() => renderKubeadmInitConfig({ inventory: inventory128, host, bootstrapToken: 'Secret-Value' })).toThrow(
      /bootstrap token does not have the format/,
    );
    try {
      renderKubeadmInitConfig({ inventory: inventory128, host, certificateKey: 'hunter2' });
      expect.unreachable();
    } catch (e) {
      expect(String(e)).not.toContain('hunter2');
    }
    expect(() => renderKubeadmInitConfig({ inventory: inventory128, host: resolved(inventory128, 'w1') })).toThrow(/not one/);
  });
});

describe('renderKubeadmJoinConfig', () => {
  const worker128 = renderKubeadmJoinConfig({
    inventory: inventory128,
    host: resolved(inventory128, 'w1'),
    apiServerEndpoint: '10.77.0.10:6443',
    token,
    caCertHash,
  });
  const worker132 = renderKubeadmJoinConfig({
    inventory: inventory132,
    host: resolved(inventory132, 'node-1'),
    apiServerEndpoint: 'api.prod.example.internal:6443',
    token,
    caCertHash,
  });
  const controlPlane132 = renderKubeadmJoinConfig({
    inventory: inventory132,
    host: resolved(inventory132, 'cp-b'),
    apiServerEndpoint: 'api.prod.example.internal:6443',
    token,
    caCertHash,
    certificateKey,
  });

  it('matches the golden files', () => {
    expectGolden('kubeadm/join-worker-1.28.15.yaml.golden', worker128);
    expectGolden('kubeadm/join-worker-1.32.4.yaml.golden', worker132);
    expectGolden('kubeadm/join-control-plane-1.32.4.yaml.golden', controlPlane132);
  });

  it('discovers the cluster with the token and pinned CA hash', () => {
    const [join] = parseYamlDocuments(worker128);
    expect(join!.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(join!.kind).toBe('JoinConfiguration');
    expect(join!.discovery).toEqual({
      bootstrapToken: { apiServerEndpoint: '10.77.0.10:6443', token, caCertHashes: [caCertHash] },
    });
    expect(join!.nodeRegistration).toEqual({
      name: 'w1',
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: { 'node-ip': '10.77.0.11' },
    });
    expect(join).not.toHaveProperty('controlPlane');
  });

  it('joins a control plane with its own API endpoint and the certificate key (v1beta4)', () => {
    const docsCp = parseYamlDocuments(controlPlane132);
    expect(docsCp).toHaveLength(1);
    const join = docsCp[0]!;
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(join.controlPlane).toEqual({
      localAPIEndpoint: { advertiseAddress: '172.16.0.11', bindPort: 6443 },
      certificateKey,
    });
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '172.16.0.11' }]);
    expect(join.nodeRegistration.taints).toEqual([]);
    expect(parseYamlDocuments(worker132)[0]).not.toHaveProperty('controlPlane');
  });

  it('refuses a control-plane join without a certificate key and malformed hashes', () => {
    const base = { inventory: inventory132, apiServerEndpoint: 'api:6443', token, caCertHash };
    expect(() => renderKubeadmJoinConfig({ ...base, host: resolved(inventory132, 'cp-b') })).toThrow(/certificate key/);
    expect(() =>
      renderKubeadmJoinConfig({ ...base, host: resolved(inventory132, 'node-1'), caCertHash: 'md5:abc' }),
    ).toThrow(/CA certificate hash/);
  });
});

describe('kubeadmImages', () => {
  it('lists what kubeadm pulls from a flat mirror, CoreDNS included', () => {
    expect(kubeadmImages(inventory128)).toEqual([
      '10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15',
      '10.77.255.1:5000/google_containers/kube-controller-manager:v1.28.15',
      '10.77.255.1:5000/google_containers/kube-scheduler:v1.28.15',
      '10.77.255.1:5000/google_containers/kube-proxy:v1.28.15',
      '10.77.255.1:5000/google_containers/pause:3.9',
      '10.77.255.1:5000/google_containers/etcd:3.5.15-0', // kubeadm 1.28.15's own etcd, not 1.28.0's 3.5.9-0
      '10.77.255.1:5000/google_containers/coredns:v1.10.1',
    ]);
    expect(kubeadmImages(inventory132)).toContain('registry.k8s.io/coredns/coredns:v1.11.3');
    expect(kubeadmImages(inventory132)).toContain('registry.k8s.io/pause:3.10');
  });
});

describe('endpoint helpers', () => {
  it('extracts the host of an endpoint', () => {
    expect(endpointHost('api.example:6443')).toBe('api.example');
    expect(endpointHost('api.example')).toBe('api.example');
    expect(endpointHost('[fd00::1]:6443')).toBe('fd00::1');
    expect(endpointHost('fd00::1')).toBe('fd00::1');
  });

  it('lists each SAN once', () => {
    expect(apiServerCertSANs(inventory128)).toEqual(['cp1', '10.77.0.10']);
  });
});
