import { describe, expect, it } from 'vitest';
import { parseKubeadmConfig } from '../../../lab/simulators/src/common/kubeadm/config.js';
import { inventorySchema } from '../../../src/inventory/schema.js';
import {
  apiServerCertSANs,
  certSAN,
  kubeletMaySetLabel,
  kubeletNodeLabels,
  registrationTaints,
  renderKubeadmInitConfig,
  renderKubeadmJoinConfig,
} from '../../../src/kube/kubeadm.js';
import { expectGolden } from '../../helpers/golden.js';
import { parseYamlDocuments } from '../templates/k8s-objects.js';
import { resolved } from '../templates/fixtures.js';

const token = 'abcdef.0123456789abcdef';
const caCertHash = `sha256:${'0'.repeat(64)}`;
const certificateKey = 'f'.repeat(64);

function inventory(version: string) {
  return inventorySchema.parse({
    apiVersion: 'kinstall/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'lab' },
    hosts: [
      {
        name: 'cp1',
        address: 'CP1.Example.COM.',
        internalAddress: '10.77.0.10',
        roles: ['control-plane'],
        labels: { 'topology.kubernetes.io/zone': 'z1', 'node-role.kubernetes.io/infra': '' },
        taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }],
      },
      { name: 'cp2', address: '10.77.0.11', roles: ['control-plane', 'worker'], taints: [{ key: 'gpu', effect: 'PreferNoSchedule' }] },
      {
        name: 'w1',
        address: '10.77.0.12',
        roles: ['worker'],
        labels: { disk: 'ssd', 'node-role.kubernetes.io/worker': '', 'example.com/team': 'a' },
        taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      },
      { name: 'w2', address: '10.77.0.13', roles: ['worker'] },
    ],
    kubernetes: { version, imageRepository: '10.77.255.1:5000/google_containers', controlPlaneEndpoint: 'API.Example.COM:6443' },
  });
}

const docs = (text: string) => Object.fromEntries(parseYamlDocuments(text).map((d) => [d.kind, d]));

describe('certificate SANs (kubeadm ValidateCertSANs: IP or lowercase DNS-1123)', () => {
  it('lowercases DNS names and drops the root dot; IPs unchanged', () => {
    expect(certSAN('K8S-Master.Example.COM.')).toBe('k8s-master.example.com');
    expect(certSAN('10.0.0.1')).toBe('10.0.0.1');
    expect(apiServerCertSANs(inventory('1.28.15'))).toEqual(['api.example.com', 'cp1', '10.77.0.10', 'cp1.example.com', 'cp2', '10.77.0.11']);
  });
});

describe('labels and taints through kubeadm nodeRegistration', () => {
  it('kubelet may set only its own kubernetes.io labels (k8s.io/kubelet IsKubeletLabel)', () => {
    expect(kubeletMaySetLabel('disk')).toBe(true);
    expect(kubeletMaySetLabel('example.com/team')).toBe(true);
    expect(kubeletMaySetLabel('topology.kubernetes.io/zone')).toBe(true);
    expect(kubeletMaySetLabel('node.kubernetes.io/pool')).toBe(true);
    expect(kubeletMaySetLabel('x.kubelet.kubernetes.io/y')).toBe(true);
    expect(kubeletMaySetLabel('node-role.kubernetes.io/worker')).toBe(false);
    expect(kubeletMaySetLabel('node-restriction.kubernetes.io/a')).toBe(false);
    expect(kubeletMaySetLabel('k8s.io/a')).toBe(false);
    expect(kubeletNodeLabels(resolved(inventory('1.28.15'), 'w1'))).toBe('disk=ssd,example.com/team=a');
  });
  it('taints: a control plane keeps kubeadm\'s default taint next to its own; a control plane that is a worker does not', () => {
    const inv = inventory('1.28.15');
    expect(registrationTaints(resolved(inv, 'cp1'))).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
    ]);
    expect(registrationTaints(resolved(inv, 'cp2'))).toEqual([{ key: 'gpu', effect: 'PreferNoSchedule' }]);
    expect(registrationTaints(resolved(inv, 'w2'))).toBeNull();
  });
  for (const version of ['1.28.15', '1.32.4']) {
    it(`init and join configs carry them (${version}, golden)`, () => {
      const inv = inventory(version);
      const init = renderKubeadmInitConfig({ inventory: inv, host: resolved(inv, 'cp1') });
      const joinCp = renderKubeadmJoinConfig({ inventory: inv, host: resolved(inv, 'cp2'), apiServerEndpoint: 'api.example.com:6443', token, caCertHash, certificateKey });
      const joinW = renderKubeadmJoinConfig({ inventory: inv, host: resolved(inv, 'w1'), apiServerEndpoint: 'api.example.com:6443', token, caCertHash });
      expectGolden(`kubeadm/init-labels-taints-${version}.yaml.golden`, init);
      expectGolden(`kubeadm/join-control-plane-labels-taints-${version}.yaml.golden`, joinCp);
      expectGolden(`kubeadm/join-worker-labels-taints-${version}.yaml.golden`, joinW);
      const nr = docs(init).InitConfiguration!.nodeRegistration;
      expect(nr.taints).toHaveLength(2);
      expect(docs(init).ClusterConfiguration!.apiServer.certSANs).toContain('cp1.example.com');
      const args = docs(joinW).JoinConfiguration!.nodeRegistration.kubeletExtraArgs;
      const labels = Array.isArray(args) ? args.find((a: { name: string }) => a.name === 'node-labels')?.value : args['node-labels'];
      expect(labels).toBe('disk=ssd,example.com/team=a');
      expect(docs(joinW).JoinConfiguration!.nodeRegistration.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);
      expect(docs(joinCp).JoinConfiguration!.nodeRegistration.taints).toEqual([{ key: 'gpu', effect: 'PreferNoSchedule' }]);
      // The lab kubeadm (a 1.28, v1beta3 only) decodes strictly with kubeadm's field set.
      if (version.startsWith('1.28.')) {
        expect(() => parseKubeadmConfig(init, 'init')).not.toThrow();
        expect(() => parseKubeadmConfig(joinW, 'join')).not.toThrow();
        expect(() => parseKubeadmConfig(joinCp, 'join')).not.toThrow();
      }
    });
  }
});
