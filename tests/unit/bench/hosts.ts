import type { ResolvedHost } from '../../../src/inventory/types.js';

/** A resolved host with only what the benchmark reads (address and SSH settings). */
export function host(name: string, address: string, over: Partial<ResolvedHost['ssh']> = {}): ResolvedHost {
  return {
    name,
    address,
    ssh: { user: 'root', port: 22, knownHostsFile: '/lab/many/known_hosts', hostKeyPolicy: 'strict', connectTimeoutSeconds: 10, identityFile: '/lab/id_ed25519', ...over },
  } as ResolvedHost;
}
