import { setTimeout as sleep } from 'node:timers/promises';
import type { Duplex } from 'node:stream';
import { NodeSSH, type Config } from 'node-ssh';
import pLimit from 'p-limit';
import { ExitCode, KinstallError } from '../errors.js';
import type { RunLog } from '../log.js';
import type { ResolvedHost } from '../inventory/types.js';
import { resolveAuth, type AuthMaterial, type AuthSettings } from './auth.js';
import { createHostVerifier, hostKeyAlgorithms, knownKeyTypes, noCommonHostKeyAlgorithm, PendingHostKeys } from './host-verifier.js';
import { backoffDelayMs, classifyConnectError, type ConnectFailureKind } from './retry.js';
import { SshRemoteHost } from './remote.js';
import type { RemoteHost } from './types.js';

export type ConnectState = 'connecting' | 'retrying' | 'connected' | 'failed';

export interface ConnectOptions {
  log: RunLog;
  /** Hosts connected at once (default 20). */
  concurrency?: number;
  /** Extra attempts after a refused/reset/timed-out/unreachable connection (default 2). */
  retries?: number;
  onProgress?: (host: ResolvedHost, state: ConnectState, detail?: string) => void;
  /** Where passwordEnv/sudoPasswordEnv/SSH_AUTH_SOCK are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  backoff?: { baseMs?: number; maxMs?: number };
  /** Shares one bastion connection between hosts; connectHosts makes one for its hosts. */
  bastions?: BastionPool;
  /**
   * `--dry-run`: under hostKeyPolicy accept-new a new host key is accepted for this run only and
   * never written to known_hosts (`notify` is told what would be recorded).
   */
  dryRun?: boolean;
  /** Keys a dry run accepted without writing them; connectHosts makes one for its hosts. */
  pendingHostKeys?: PendingHostKeys;
  /** Messages for the operator besides the run log (e.g. the dry run's "would record"). */
  notify?: (host: string, message: string) => void;
}

const defaultRetries = 2;

/** Connect every host (at most `concurrency` at once); a host that fails is reported, not thrown. */
export async function connectHosts(
  hosts: ResolvedHost[],
  opts: ConnectOptions,
): Promise<{ remotes: Map<string, RemoteHost>; failures: KinstallError[] }> {
  const limit = pLimit(opts.concurrency ?? 20);
  const bastions = opts.bastions ?? new BastionPool();
  const pendingHostKeys = opts.pendingHostKeys ?? new PendingHostKeys();
  const remotes = new Map<string, RemoteHost>();
  const failures: KinstallError[] = [];
  await Promise.all(
    hosts.map((host) =>
      limit(async () => {
        try {
          remotes.set(host.name, await connectHost(host, { ...opts, bastions, pendingHostKeys }));
        } catch (err) {
          failures.push(asConnectError(host, err));
        }
      }),
    ),
  );
  return { remotes, failures };
}

/** Connect one host, retrying transient network failures; throws a KinstallError (exit code 3). */
export async function connectHost(host: ResolvedHost, opts: ConnectOptions): Promise<RemoteHost> {
  const { log } = opts;
  const env = opts.env ?? process.env;
  const retries = opts.retries ?? defaultRetries;
  const bastions = opts.bastions ?? new BastionPool();
  opts.onProgress?.(host, 'connecting');
  try {
    const auth = resolveAuth(host.ssh, { host: host.name, env });
    registerSecrets(log, auth);
    const sudoPassword = readSudoPassword(host, env);
    log.addSecret(sudoPassword);
    for (let attempt = 0; ; attempt++) {
      try {
        const remote = await attemptConnect(host, auth, sudoPassword, opts, bastions);
        opts.onProgress?.(host, 'connected');
        return remote;
      } catch (err) {
        if (err instanceof KinstallError) throw err;
        const { kind, retryable } = classifyConnectError(err);
        if (!retryable || attempt >= retries) throw connectFailure(host, kind, err, attempt + 1, auth, (err as { hop?: Hop }).hop);
        const delay = backoffDelayMs(attempt, opts.backoff);
        log.write(host.name, 'ssh', `attempt ${attempt + 1} failed (${(err as Error).message}); retrying in ${delay} ms`);
        opts.onProgress?.(host, 'retrying', (err as Error).message);
        await sleep(delay);
      }
    }
  } catch (err) {
    opts.onProgress?.(host, 'failed', (err as Error).message);
    throw asConnectError(host, err);
  }
}

function registerSecrets(log: RunLog, auth: AuthMaterial): void {
  log.addSecret(auth.password);
}

function readSudoPassword(host: ResolvedHost, env: NodeJS.ProcessEnv): string | undefined {
  const name = host.ssh.sudoPasswordEnv;
  if (!name || host.ssh.user === 'root') return undefined;
  const value = env[name];
  if (value === undefined || value === '') {
    throw new KinstallError(`ssh.sudoPasswordEnv names $${name}, but that environment variable is not set`, {
      exitCode: ExitCode.unreachable,
      host: host.name,
      hint: `export ${name}=... (the sudo password of ${host.ssh.user}) before running kinstall`,
    });
  }
  return value;
}

async function attemptConnect(
  host: ResolvedHost,
  auth: AuthMaterial,
  sudoPassword: string | undefined,
  opts: ConnectOptions,
  bastions: BastionPool,
): Promise<RemoteHost> {
  const ssh = host.ssh;
  let tunnel: { sock: Duplex; release: () => void } | undefined;
  if (ssh.bastion) tunnel = await bastions.open(host, opts);
  const client = new NodeSSH();
  try {
    await connectVerified(client, {
      host,
      what: host.name,
      address: host.address,
      port: ssh.port,
      user: ssh.user,
      auth,
      ...(tunnel ? { sock: tunnel.sock } : {}),
    }, opts);
  } catch (err) {
    tunnel?.release();
    throw err;
  }
  opts.log.write(host.name, 'ssh', `connected to ${ssh.user}@${host.address}:${ssh.port}${ssh.bastion ? ` via bastion ${ssh.bastion.address}` : ''}`);
  return new SshRemoteHost(client.connection!, {
    name: host.name,
    address: host.address,
    user: ssh.user,
    log: opts.log,
    sudoPassword,
    sudoPasswordEnv: ssh.sudoPasswordEnv,
    ...(tunnel ? { onClose: tunnel.release } : {}),
  });
}

/**
 * Open one SSH connection (to a host or to a bastion) with its host key verified against
 * known_hosts and only the host key algorithms we accept offered. A refusal by the verifier, or
 * a server whose host key algorithms we do not accept, becomes its own KinstallError; any other
 * failure is thrown as ssh2 reported it, for the caller to classify and maybe retry.
 */
async function connectVerified(
  client: NodeSSH,
  hop: { host: ResolvedHost; what: string; address: string; port: number; user: string; auth: AuthMaterial; sock?: Duplex },
  opts: ConnectOptions,
): Promise<void> {
  const ssh = hop.host.ssh;
  const ctx = { host: hop.host.name, what: hop.what, address: hop.address, port: hop.port };
  const verifier = createHostVerifier({
    ...ctx,
    knownHostsFile: ssh.knownHostsFile,
    policy: ssh.hostKeyPolicy,
    log: opts.log,
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.pendingHostKeys ? { pending: opts.pendingHostKeys } : {}),
    ...(opts.notify ? { notify: opts.notify } : {}),
    // A forwarded socket means a bastion hop: ssh-keyscan could not reach the host through it.
    ...(hop.sock ? { viaBastion: ssh.bastion?.address ?? 'bastion' } : {}),
    keyscanTimeoutSeconds: ssh.connectTimeoutSeconds,
  });
  // ssh2 reports a failed algorithm negotiation without the server's list; its debug output has it.
  let serverHostKeyAlgorithms: string[] | undefined;
  const debug = (line: string) => {
    const m = /^Handshake: \(remote\) Host key format: (.*)$/.exec(line);
    if (m) serverHostKeyAlgorithms = m[1]!.split(',');
  };
  try {
    await client.connect({
      ...clientConfig(hop.auth, hop.user, ssh.connectTimeoutSeconds),
      host: hop.address,
      port: hop.port,
      ...(hop.sock ? { sock: hop.sock } : {}),
      hostVerifier: verifier.verify,
      algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(ssh.knownHostsFile, hop.address, hop.port), { allowSha1Rsa: ssh.allowSha1Rsa }) },
      debug,
    } as Config);
  } catch (err) {
    client.connection?.end();
    const refusal = verifier.failure();
    if (refusal) throw refusal;
    if (/no matching host key format/i.test((err as Error)?.message ?? '')) throw noCommonHostKeyAlgorithm(ctx, serverHostKeyAlgorithms, ssh.allowSha1Rsa);
    throw err;
  }
}

function clientConfig(auth: AuthMaterial, username: string, timeoutSeconds: number): Config {
  return {
    username,
    readyTimeout: timeoutSeconds * 1000,
    // A dead peer is noticed within a minute instead of hanging on a half-open TCP connection.
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    ...(auth.privateKey ? { privateKey: auth.privateKey } : {}),
    ...(auth.agent ? { agent: auth.agent } : {}),
    ...(auth.password ? { password: auth.password, tryKeyboard: true } : {}),
  };
}

/**
 * One connection per bastion, shared by every host behind it; each host gets its own forwarded
 * channel (direct-tcpip) on it. Closed when the last host using it is closed.
 */
export class BastionPool {
  private readonly entries = new Map<string, { client: Promise<NodeSSH>; refs: number }>();

  async open(host: ResolvedHost, opts: ConnectOptions): Promise<{ sock: Duplex; release: () => void }> {
    const b = host.ssh.bastion!;
    const user = b.user ?? host.ssh.user;
    const port = b.port ?? 22;
    const settings = bastionAuthSettings(host);
    const key = `${user}@${b.address}:${port}|${settings.identityFile ?? ''}|${settings.passwordEnv ?? ''}|${host.ssh.knownHostsFile}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { client: this.connectBastion(host, { user, port, settings }, opts), refs: 0 };
      this.entries.set(key, entry);
      entry.client.catch(() => this.entries.delete(key));
    }
    entry.refs++;
    const current = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      current.refs--;
      if (current.refs === 0) {
        this.entries.delete(key);
        current.client.then((c) => c.dispose(), () => undefined);
      }
    };
    let client: NodeSSH;
    try {
      client = await current.client;
    } catch (err) {
      release();
      if (err instanceof KinstallError) throw err;
      // Retryable failure reaching the bastion itself: keep the code, name the hop for the message.
      throw Object.assign(err as Error, { hop: { address: b.address, port, user, what: `bastion ${b.address}` } });
    }
    try {
      const sock = await client.forwardOut('127.0.0.1', 0, host.address, host.ssh.port);
      return { sock, release };
    } catch (err) {
      release();
      if (err instanceof KinstallError) throw err;
      // The bastion answered but could not reach the target: say which hop failed.
      throw Object.assign(new Error(`bastion ${b.address} could not open a connection to ${host.address}:${host.ssh.port}: ${(err as Error).message}`), {
        code: (err as { code?: unknown }).code ?? codeFromChannelFailure((err as Error).message),
      });
    }
  }

  private async connectBastion(
    host: ResolvedHost,
    b: { user: string; port: number; settings: AuthSettings },
    opts: ConnectOptions,
  ): Promise<NodeSSH> {
    const address = host.ssh.bastion!.address;
    const auth = resolveAuth(b.settings, { host: host.name, env: opts.env ?? process.env, setting: 'ssh.bastion' });
    registerSecrets(opts.log, auth);
    const client = new NodeSSH();
    try {
      await connectVerified(client, { host, what: `bastion ${address}`, address, port: b.port, user: b.user, auth }, opts);
    } catch (err) {
      if (err instanceof KinstallError) throw err;
      const { kind, retryable } = classifyConnectError(err);
      if (!retryable) throw connectFailure(host, kind, err, 1, auth, { address, port: b.port, user: b.user, what: `bastion ${address}` });
      throw err;
    }
    // Keep late errors on the shared bastion from crashing the process; hosts see their channels fail.
    client.connection!.on('error', (e: Error) => opts.log.write(host.name, 'ssh', `bastion ${address}: ${e.message}`));
    opts.log.write(host.name, 'ssh', `connected to bastion ${b.user}@${address}:${b.port}`);
    return client;
  }
}

/**
 * Credentials for the bastion hop. The host's password is never offered to the bastion: ssh2
 * tries a password before keys, so inheriting it sent the host's password to another machine.
 * A bastion that names its own identityFile or passwordEnv uses exactly those; one that names
 * neither uses the host's key file and agent, like ssh(1) ProxyJump (a public-key signature
 * authenticates one session and reveals nothing reusable).
 */
export function bastionAuthSettings(host: ResolvedHost): AuthSettings {
  const b = host.ssh.bastion!;
  if (b.identityFile !== undefined || b.passwordEnv !== undefined) return { identityFile: b.identityFile, passwordEnv: b.passwordEnv };
  return { identityFile: host.ssh.identityFile, agent: host.ssh.agent };
}

function codeFromChannelFailure(message: string): string | undefined {
  if (/refused/i.test(message)) return 'ECONNREFUSED';
  if (/timed out/i.test(message)) return 'ETIMEDOUT';
  if (/no route|unreachable/i.test(message)) return 'EHOSTUNREACH';
  return undefined;
}

/** Which connection failed: the host itself, or the bastion in front of it. */
interface Hop {
  address: string;
  port: number;
  user: string;
  what: string;
}

/** The operator-facing message for a connection that finally failed: what, where, why, what to do. */
export function connectFailure(
  host: ResolvedHost,
  kind: ConnectFailureKind,
  err: unknown,
  attempts: number,
  auth: AuthMaterial,
  target: Hop = {
    address: host.address,
    port: host.ssh.port,
    user: host.ssh.user,
    what: 'SSH',
  },
): KinstallError {
  const where = `${target.address}:${target.port}`;
  const why = (err as Error | undefined)?.message ?? String(err);
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const make = (message: string, hint: string) =>
    new KinstallError(message, { exitCode: ExitCode.unreachable, host: host.name, hint, cause: err });
  const seconds = host.ssh.connectTimeoutSeconds;
  switch (kind) {
    case 'refused':
      return make(`${target.what} connection to ${where} was refused${tries}`, `check that sshd is running on the host and listens on port ${target.port}, and that no firewall rejects it`);
    case 'reset':
      return make(`${target.what} connection to ${where} was reset${tries}: ${why}`, 'sshd dropped the connection: check its logs (MaxStartups, fail2ban, AllowUsers) on the host');
    case 'timeout':
      return make(`no ${target.what} answer from ${where} within ${seconds} s${tries}`, `check the address, routing and firewalls, or raise ssh.connectTimeoutSeconds`);
    case 'unreachable':
      return make(`${where} is unreachable${tries}: ${why}`, 'check the address and the network route from this machine (or the bastion) to the host');
    case 'dns':
      return make(`cannot resolve ${target.address}: ${why}`, 'use an IP address or fix DNS for this name');
    case 'auth':
      return make(`${target.what} authentication as ${target.user} at ${where} failed (tried: ${auth.tried.join(', ')})`, `make sure the public key is in ~${target.user}/.ssh/authorized_keys on the host (or the password is right), and that sshd allows this method`);
    case 'hostkey':
    case 'other':
      return make(`${target.what} connection to ${where} failed: ${why}`, 'run "ssh -v" with the same user, port and key to see more');
  }
}

function asConnectError(host: ResolvedHost, err: unknown): KinstallError {
  if (err instanceof KinstallError) return err;
  return new KinstallError(`SSH connection failed: ${(err as Error)?.message ?? String(err)}`, {
    exitCode: ExitCode.unreachable,
    host: host.name,
    hint: 'run "ssh -v" with the same user, port and key to see more',
    cause: err,
  });
}
