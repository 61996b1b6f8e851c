import path from 'node:path';
import type { Inventory, SshSettings } from './schema.js';
import type { ResolvedHost, ResolvedSsh } from './types.js';

export interface ResolveContext {
  /** The inventory file; relative key and known_hosts paths are relative to its directory. */
  inventoryFile: string;
  homeDir: string;
  env: Record<string, string | undefined>;
}

export const sshDefaults = {
  user: 'root',
  port: 22,
  knownHostsFile: '~/.ssh/known_hosts',
  hostKeyPolicy: 'strict',
  connectTimeoutSeconds: 10,
  identityFile: '~/.ssh/id_ed25519',
} as const;

/** Expands a leading ~ and anchors relative paths at the inventory's directory. */
export function resolveUserPath(file: string, ctx: ResolveContext): string {
  if (file === '~') return ctx.homeDir;
  if (file.startsWith('~/')) return path.join(ctx.homeDir, file.slice(2));
  return path.resolve(path.dirname(path.resolve(ctx.inventoryFile)), file);
}

/**
 * Merges built-in defaults < inventory `ssh` < host `ssh`, field by field (a host's bastion
 * replaces the cluster bastion as a whole). With no way to authenticate given (no identityFile,
 * agent or passwordEnv), the agent is used when SSH_AUTH_SOCK is set, else ~/.ssh/id_ed25519.
 */
export function resolveSsh(cluster: SshSettings | undefined, host: SshSettings | undefined, ctx: ResolveContext): ResolvedSsh {
  const merged: SshSettings = { ...cluster, ...host };
  const resolved: ResolvedSsh = {
    ...merged,
    user: merged.user ?? sshDefaults.user,
    port: merged.port ?? sshDefaults.port,
    knownHostsFile: resolveUserPath(merged.knownHostsFile ?? sshDefaults.knownHostsFile, ctx),
    hostKeyPolicy: merged.hostKeyPolicy ?? sshDefaults.hostKeyPolicy,
    connectTimeoutSeconds: merged.connectTimeoutSeconds ?? sshDefaults.connectTimeoutSeconds,
  };
  if (merged.identityFile !== undefined) {
    resolved.identityFile = resolveUserPath(merged.identityFile, ctx);
  } else if (merged.agent === undefined && merged.passwordEnv === undefined) {
    if (ctx.env.SSH_AUTH_SOCK) resolved.agent = true;
    else resolved.identityFile = resolveUserPath(sshDefaults.identityFile, ctx);
  }
  if (merged.bastion) {
    resolved.bastion = {
      ...merged.bastion,
      ...(merged.bastion.identityFile !== undefined ? { identityFile: resolveUserPath(merged.bastion.identityFile, ctx) } : {}),
    };
  }
  return resolved;
}

/** Every inventory host with all defaults applied; `sourceOf(i)` is where hosts[i] sits in the file. */
export function resolveHosts(
  inventory: Inventory,
  sourceOf: (index: number) => { line: number; col: number },
  ctx: ResolveContext,
): ResolvedHost[] {
  return inventory.hosts.map((spec, index) => ({
    name: spec.name,
    address: spec.address,
    internalAddress: spec.internalAddress ?? spec.address,
    roles: spec.roles,
    isControlPlane: spec.roles.includes('control-plane'),
    isWorker: spec.roles.includes('worker'),
    setHostname: spec.setHostname ?? true,
    labels: spec.labels ?? {},
    ssh: resolveSsh(inventory.ssh, spec.ssh, ctx),
    source: { file: ctx.inventoryFile, ...sourceOf(index) },
    spec,
  }));
}
