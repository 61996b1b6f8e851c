import type { ResolvedHost, Role } from '../../src/inventory/types.js';

/**
 * A ResolvedHost for unit tests that build hosts without an inventory file: one shape for every
 * test suite, so a new ResolvedHost field is added here once.
 */
export function testHost(name: string, roles: Role[], address: string, setHostname = true): ResolvedHost {
  return {
    name,
    address,
    internalAddress: address,
    roles,
    isControlPlane: roles.includes('control-plane'),
    isWorker: roles.includes('worker'),
    setHostname,
    labels: {},
    ssh: { user: 'root', port: 22, knownHostsFile: '/dev/null', hostKeyPolicy: 'strict', connectTimeoutSeconds: 10 },
    source: { file: 'inv.yaml', line: 1, col: 1 },
    spec: { name, address, roles },
  };
}
