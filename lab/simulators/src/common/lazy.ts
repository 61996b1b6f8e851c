// The heavy clients, loaded on first use. gRPC (@grpc/grpc-js, protobufjs, the CRI proto) and the
// etcd client are most of a simulator's start-up: ~60 of kubeadm's ~150 ms here, and each process
// start costs ~10 s in the emulated Vagrant VMs. Most kubeadm commands kinstall runs (version,
// config images list, token create, certs check-expiration) need neither, so they are imported
// only by the code that talks to containerd or etcd; the bundler keeps such an import lazy.
import type { CriClient } from './cri.js';
import type { EtcdConnection } from './etcd/client.js';

export async function criClient(endpoint: string, timeoutMs?: number): Promise<CriClient> {
  const { CriClient: Client } = await import('./cri.js');
  return new Client(endpoint, timeoutMs);
}

export async function etcdClientLazy(c: EtcdConnection) {
  const { etcdClient } = await import('./etcd/client.js');
  return etcdClient(c);
}
