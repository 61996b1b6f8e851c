import os from 'node:os';
import type { Inventory, ResolvedHost } from '../../inventory/types.js';
import { resolveSsh } from '../../inventory/resolve.js';
import type { RunLog } from '../../log.js';
import { connectHost } from '../../ssh/connect.js';
import type { RemoteHost } from '../../ssh/types.js';
import type { StrayNode } from '../../steps/prune.js';

/**
 * How up --prune reaches a host that left the inventory: its Node's InternalIP, the inventory's
 * cluster-wide `ssh` settings (a host's own overrides left with its entry), and a strict host-key
 * policy whatever the inventory says: kinstall talked to that address before, so its key must
 * already be in known_hosts; an unknown key is not trusted on first use for a machine about to be wiped.
 */
export function strayConnector(inventoryFile: string, inventory: Inventory, log: RunLog): (node: StrayNode) => Promise<RemoteHost | { unreachable: string }> {
  return async (node) => {
    const ssh = { ...resolveSsh(inventory.ssh, undefined, { inventoryFile, homeDir: os.homedir(), env: process.env }), hostKeyPolicy: 'strict' as const };
    const host: ResolvedHost = {
      name: node.name, address: node.address, internalAddress: node.address,
      roles: node.controlPlane ? ['control-plane'] : ['worker'], isControlPlane: node.controlPlane, isWorker: !node.controlPlane,
      setHostname: false, labels: {}, ssh,
      source: { file: inventoryFile, line: 1, col: 1 },
      spec: { name: node.name, address: node.address, roles: node.controlPlane ? ['control-plane'] : ['worker'] },
    };
    try {
      return await connectHost(host, { log, retries: 0 });
    } catch (err) {
      return { unreachable: (err as Error).message };
    }
  };
}
