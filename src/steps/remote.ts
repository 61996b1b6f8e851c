import crypto from 'node:crypto';
import { ExitCode, KinstallError } from '../errors.js';
import { controlPlaneEndpointOf } from '../inventory/endpoint.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { ExecOptions, RemoteHost } from '../ssh/types.js';
import type { StepContext } from './types.js';

/**
 * Parses the `key=value` lines every probe prints. A key printed several times collects all
 * values in order (lists such as the apt candidates); lines without `=` are ignored so a stray
 * tool message cannot break the parse.
 */
export function parseKv(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** First value of a key, or the fallback when the probe did not print it. */
export function kv(state: Map<string, string[]>, key: string, fallback = ''): string {
  return state.get(key)?.[0] ?? fallback;
}

export function sha256(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs a script as root and fails with what/where/why when it exits non-zero. */
export async function execOrFail(
  remote: RemoteHost,
  script: string,
  opts: ExecOptions & { label: string; hint?: string },
): Promise<string> {
  const res = await remote.exec(script, { sudo: true, ...opts });
  if (res.code !== 0) {
    const why = tail(res.stderr) || tail(res.stdout) || '(no output)';
    throw new KinstallError(`${opts.label} exited with ${res.code}: ${why}`, {
      exitCode: ExitCode.stepFailed,
      host: remote.name,
      hint: opts.hint ?? 'see the run log for the full command and output, fix the cause, then re-run kinstall up',
    });
  }
  return res.stdout;
}

/** Runs a read-only probe script and parses its key=value output. */
export async function probeKv(remote: RemoteHost, script: string, label: string): Promise<Map<string, string[]>> {
  return parseKv(await execOrFail(remote, script, { label }));
}

export function firstControlPlane(ctx: Pick<StepContext, 'hosts'>): ResolvedHost {
  const cp = ctx.hosts.find((h) => h.isControlPlane);
  if (!cp) throw new KinstallError('the inventory has no control-plane host', { exitCode: ExitCode.usage });
  return cp;
}

export function remoteFor(ctx: Pick<StepContext, 'remotes'>, host: ResolvedHost): RemoteHost {
  const r = ctx.remotes.get(host.name);
  if (!r) {
    throw new KinstallError(`no SSH connection to ${host.name}`, {
      exitCode: ExitCode.unreachable,
      host: host.name,
      hint: 'the first control plane must be reachable even when --hosts leaves it out',
    });
  }
  return r;
}

/** host:port the cluster's API is reached at from inside the cluster (join). */
export function apiServerEndpoint(ctx: Pick<StepContext, 'hosts' | 'inventory'>): string {
  const cpe = controlPlaneEndpointOf(ctx.inventory);
  // Lowercase: kubeadm accepts only a lowercase DNS-1123 name (or an IP) as the endpoint host.
  if (cpe) return withPort(cpe.toLowerCase());
  return withPort(firstControlPlane(ctx).internalAddress);
}

/** host:port adding kubeadm's default 6443 when no port is given (IPv6 literals get brackets). */
export function withPort(endpoint: string): string {
  if (/^\[.*\]:\d+$/.test(endpoint) || /^[^:]+:\d+$/.test(endpoint)) return endpoint;
  if (endpoint.includes(':') && !endpoint.startsWith('[')) return `[${endpoint}]:6443`;
  return `${endpoint}:6443`;
}

/** Directory on every host for kinstall's own files (kubeadm configs, manifests). */
export const kinstallDir = '/etc/kubernetes/kinstall';
export const adminConf = '/etc/kubernetes/admin.conf';
