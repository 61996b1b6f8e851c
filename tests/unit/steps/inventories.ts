import type { ResolvedHost } from '../../../src/inventory/types.js';
import { fakeHost, fakeInventory } from './fakes.js';

/** The lab's shape: one control plane, two workers, Debian, 1.28.15, an http mirror. */
export function labCluster(version = '1.28.15') {
  const hosts: ResolvedHost[] = [
    fakeHost('node1', ['control-plane'], '10.77.0.11'),
    fakeHost('node2', ['worker'], '10.77.0.12'),
    fakeHost('node3', ['worker'], '10.77.0.13'),
  ];
  const inventory = fakeInventory(hosts, {
    metadata: { name: 'lab' },
    kubernetes: {
      version,
      imageRepository: '10.77.255.1:5000/google_containers',
      packageRepository: 'http://10.77.255.1:8080/core/stable',
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/12',
      clusterDomain: 'cluster.local',
    },
    containerd: {
      version: '1.6.20',
      source: 'package',
      registryMirrors: { 'docker.io': ['http://10.77.255.1:5000'], '10.77.255.1:5000': ['http://10.77.255.1:5000'] },
    },
  });
  return { hosts, inventory };
}
