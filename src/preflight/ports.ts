import type { Inventory, ResolvedHost } from '../inventory/types.js';

export interface PortSpec {
  proto: 'tcp' | 'udp';
  from: number;
  to: number;
  /** Who needs it, for messages: "kube-apiserver". */
  purpose: string;
}

/** "6443/tcp", "2379-2380/tcp": the notation firewalld uses and messages show. */
export function formatPort(p: Pick<PortSpec, 'proto' | 'from' | 'to'>): string {
  return `${p.from === p.to ? p.from : `${p.from}-${p.to}`}/${p.proto}`;
}

/** The ports a host's roles need (kubeadm's "Ports and Protocols" page) plus the CNI's. */
export function requiredPorts(host: ResolvedHost, inventory: Inventory): PortSpec[] {
  const ports: PortSpec[] = [];
  const add = (proto: PortSpec['proto'], from: number, to: number, purpose: string) => {
    if (!ports.some((p) => p.proto === proto && p.from === from && p.to === to)) ports.push({ proto, from, to, purpose });
  };
  if (host.isControlPlane) {
    add('tcp', 6443, 6443, 'kube-apiserver');
    add('tcp', 2379, 2380, 'etcd');
    add('tcp', 10250, 10250, 'kubelet');
    add('tcp', 10257, 10257, 'kube-controller-manager');
    add('tcp', 10259, 10259, 'kube-scheduler');
  }
  if (host.isWorker) {
    add('tcp', 10250, 10250, 'kubelet');
    add('tcp', 30000, 32767, 'NodePort services');
  }
  if (inventory.network.plugin === 'flannel') add('udp', 8472, 8472, 'flannel VXLAN');
  return ports;
}
