import { resolveHosts } from '../../../src/inventory/resolve.js';
import { inventorySchema, type Inventory } from '../../../src/inventory/schema.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';

/**
 * Two inventories covering both kubeadm API generations: a lab-like 1.28 cluster (flat mirror
 * for kubeadm images, one plain-http docker.io mirror, containerd 1.6) and an HA 1.32 cluster
 * (default registry, control-plane endpoint, a control plane that is also a worker, https
 * mirrors, containerd 2.x).
 */
export const inventory128: Inventory = inventorySchema.parse({
  apiVersion: 'kinstall/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'lab' },
  hosts: [
    { name: 'cp1', address: '10.77.0.10', roles: ['control-plane'] },
    { name: 'w1', address: '10.77.0.11', roles: ['worker'] },
    { name: 'w2', address: '10.77.0.12', roles: ['worker'] },
  ],
  kubernetes: { version: '1.28.15', imageRepository: '10.77.255.1:5000/google_containers' },
  containerd: { version: '1.6.20~ds1-1+deb12u2', registryMirrors: { 'docker.io': ['http://10.77.255.1:5000'] } },
  addons: { dashboard: { enabled: true } },
});
export const containerd128 = '1.6.20~ds1-1+deb12u2';

export const inventory132: Inventory = inventorySchema.parse({
  apiVersion: 'kinstall/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'prod-eu' },
  hosts: [
    { name: 'cp-a', address: '192.0.2.10', internalAddress: '172.16.0.10', roles: ['control-plane'] },
    { name: 'cp-b', address: '192.0.2.11', internalAddress: '172.16.0.11', roles: ['control-plane', 'worker'] },
    { name: 'node-1', address: '192.0.2.20', internalAddress: '172.16.0.20', roles: ['worker'] },
  ],
  kubernetes: {
    version: '1.32.4',
    podSubnet: '10.200.0.0/16',
    serviceSubnet: '10.100.0.0/16',
    clusterDomain: 'prod.internal',
    controlPlaneEndpoint: 'api.prod.example.internal:6443',
  },
  containerd: {
    version: '2.0.4',
    registryMirrors: {
      'docker.io': ['https://mirror-a.example.internal', 'https://mirror-b.example.internal:5443/'],
      'registry.k8s.io': ['https://k8s-mirror.example.internal'],
    },
  },
  addons: { dashboard: { enabled: true } },
});
export const containerd132 = '2.0.4';

/** A ResolvedHost for an inventory entry, resolved by the loader's own code. */
export function resolved(inventory: Inventory, name: string): ResolvedHost {
  const ctx = { inventoryFile: '/fixtures/fixture.yaml', homeDir: '/root', env: {} };
  const host = resolveHosts(inventory, () => ({ line: 1, col: 1 }), ctx).find((h) => h.name === name);
  if (!host) throw new Error(`fixture has no host ${name}`);
  return host;
}

export const token = 'abcdef.0123456789abcdef';
export const certificateKey = 'a'.repeat(64);
export const caCertHash = `sha256:${'0123456789abcdef'.repeat(4)}`;
