// The lab's etcd v3 client (npm etcd3, grpc-js): one place that turns the flags a Kubernetes
// component passes (--etcd-servers/--etcd-cafile/... or etcdctl's) into a connected client.
import fs from 'node:fs';
import { Etcd3 } from 'etcd3';

/** Where and how to reach etcd: the files, not their contents, so it can cross a worker boundary. */
export interface EtcdConnection {
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Per-request deadline (ms): with quorum lost a write fails after this instead of hanging. */
  timeoutMs?: number;
}

export function etcdClient(c: EtcdConnection): Etcd3 {
  const read = (f?: string) => (f ? fs.readFileSync(f) : undefined);
  const tls = c.endpoints.some((e) => e.startsWith('https://'));
  const timeout = c.timeoutMs ?? 5_000;
  return new Etcd3({
    hosts: c.endpoints,
    ...(tls ? { credentials: { rootCertificate: read(c.caFile)!, privateKey: read(c.keyFile), certChain: read(c.certFile) } } : {}),
    dialTimeout: timeout,
    // Streams (watches) live on; unary calls get the deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  });
}
