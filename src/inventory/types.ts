import type { HostSpec, Inventory, Role, SshSettings } from './schema.js';

/** SSH settings after merging cluster defaults, host overrides and built-in defaults. */
export interface ResolvedSsh extends Omit<SshSettings, 'user' | 'port' | 'knownHostsFile' | 'hostKeyPolicy' | 'connectTimeoutSeconds'> {
  user: string;
  port: number;
  knownHostsFile: string; // ~ already expanded
  hostKeyPolicy: 'strict' | 'accept-new';
  connectTimeoutSeconds: number;
}

/** One inventory host with every default applied: what SSH, preflight and steps work with. */
export interface ResolvedHost {
  name: string;
  address: string;
  /** Address the cluster uses: internalAddress, else address. */
  internalAddress: string;
  roles: Role[];
  isControlPlane: boolean;
  isWorker: boolean;
  setHostname: boolean;
  labels: Record<string, string>;
  ssh: ResolvedSsh;
  /** Position of this host's entry in the inventory file, for error messages. */
  source: { file: string; line: number; col: number };
  spec: HostSpec;
}

export type { HostSpec, Inventory, Role };
