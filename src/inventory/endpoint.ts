import type { Inventory } from './schema.js';

/**
 * The cluster's API endpoint, whichever way the inventory gives it (docs/inventory.md, API
 * endpoint): an external load balancer (kubernetes.controlPlaneEndpoint, as written), the
 * node-local balancer (every node reaches the API at 127.0.0.1:<port>, its own haproxy), or the
 * kube-vip virtual IP (<vip>:6443: kube-vip only moves an address, the API server still listens
 * on its bind port). kubeadm writes this endpoint into every kubeconfig it makes (admin.conf,
 * kubelet.conf via cluster-info, kube-proxy's) and into the API server certificate's SANs.
 */

/** The address the node-local balancer listens on, on every node. */
export const nodeLocalAddress = '127.0.0.1';
/** The API server's bind port (kubeadm's default, which kinstall keeps). */
const apiServerBindPort = 6443;

export type EndpointKind = 'external' | 'node-local' | 'kube-vip' | 'none';

export function endpointKind(inventory: Pick<Inventory, 'kubernetes'>): EndpointKind {
  const k8s = inventory.kubernetes;
  if (k8s.controlPlaneEndpoint !== undefined) return 'external';
  if (k8s.apiEndpoint?.nodeLocal) return 'node-local';
  if (k8s.apiEndpoint?.kubeVip) return 'kube-vip';
  return 'none';
}

/** kubeadm's controlPlaneEndpoint for this inventory (host[:port]); undefined = none (one control plane). */
export function controlPlaneEndpointOf(inventory: Pick<Inventory, 'kubernetes'>): string | undefined {
  const k8s = inventory.kubernetes;
  if (k8s.controlPlaneEndpoint !== undefined) return k8s.controlPlaneEndpoint;
  if (k8s.apiEndpoint?.nodeLocal) return `${nodeLocalAddress}:${k8s.apiEndpoint.nodeLocal.port}`;
  if (k8s.apiEndpoint?.kubeVip) return `${k8s.apiEndpoint.kubeVip.address}:${apiServerBindPort}`;
  return undefined;
}

/**
 * The endpoint the operator's kubeconfig uses: the shared one, except the node-local balancer's,
 * which exists only ON the nodes (127.0.0.1 on the operator's machine is the operator's machine).
 * undefined = the first control plane's address.
 */
export function operatorEndpointOf(inventory: Pick<Inventory, 'kubernetes'>): string | undefined {
  return endpointKind(inventory) === 'node-local' ? undefined : controlPlaneEndpointOf(inventory);
}
