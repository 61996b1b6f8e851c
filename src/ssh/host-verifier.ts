import { ExitCode, KinstallError } from '../errors.js';
import type { RunLog } from '../log.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  keyTypeOfBlob,
  knownHostsName,
  readKnownHosts,
  recordedKeyTypes,
  removeKeyCommand,
} from './known-hosts.js';

export interface HostKeyContext {
  /** Inventory host name (for errors and the log). */
  host: string;
  /** What the key belongs to: the host itself or "bastion 1.2.3.4". */
  what: string;
  address: string;
  port: number;
  knownHostsFile: string;
  policy: 'strict' | 'accept-new';
  log: RunLog;
}

const defaultHostKeyAlgorithms = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

const algorithmsForKeyType: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms to offer, with the types already recorded for this host first: like ssh(1),
 * this makes the server present the key we know instead of another type we would call unknown.
 */
export function hostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const preferred = knownTypes.flatMap((t) => algorithmsForKeyType[t] ?? [t]).filter((a) => defaultHostKeyAlgorithms.includes(a));
  return [...new Set([...preferred, ...defaultHostKeyAlgorithms])];
}

/** Key types recorded (plain lines) for the host, read fresh from the file. */
export function knownKeyTypes(file: string, address: string, port: number): string[] {
  return recordedKeyTypes(readKnownHosts(file), knownHostsName(address, port));
}

/**
 * Decide on the server's host key (ssh2 hostVerifier). Refusals are kept as a KinstallError so
 * the connection failure can report the real reason instead of ssh2's generic "Host denied".
 */
export function createHostVerifier(ctx: HostKeyContext): {
  verify: (key: Buffer, done: (ok: boolean) => void) => void;
  failure: () => KinstallError | undefined;
} {
  let failure: KinstallError | undefined;
  const name = knownHostsName(ctx.address, ctx.port);
  const err = (message: string, hint: string) =>
    new KinstallError(message, { exitCode: ExitCode.unreachable, host: ctx.host, hint });

  const verify = (key: Buffer, done: (ok: boolean) => void): void => {
    let type: string;
    try {
      type = keyTypeOfBlob(key);
    } catch (e) {
      failure = err(`${ctx.what} sent an unreadable host key: ${(e as Error).message}`, 'check that the address points at an SSH server');
      done(false);
      return;
    }
    const fp = fingerprint(key);
    const verdict = checkHostKey(readKnownHosts(ctx.knownHostsFile), name, key);
    switch (verdict.status) {
      case 'match':
        done(true);
        return;
      case 'revoked':
        failure = err(
          `${ctx.what} presented ${type} key ${fp}, which ${ctx.knownHostsFile}:${verdict.line} marks as @revoked`,
          'a revoked key must never be accepted: replace the host key on the server and record the new one',
        );
        done(false);
        return;
      case 'changed': {
        const where = verdict.lines.map((l) => `${ctx.knownHostsFile}:${l}`).join(', ');
        failure = err(
          `host key of ${ctx.what} (${name}) has CHANGED: the server presented ${type} ${fp}, but ${where} records a different ${type} key. This can be a man-in-the-middle attack, or the host was reinstalled`,
          `if you know the host was reinstalled, remove the old key (${removeKeyCommand(ctx.knownHostsFile, name)}) and connect again`,
        );
        done(false);
        return;
      }
      case 'unknown': {
        if (ctx.policy === 'accept-new') {
          appendKnownHost(ctx.knownHostsFile, name, key).then(
            (added) => {
              if (added) ctx.log.write(ctx.host, 'hostkey', `accept-new: recorded ${name} ${type} ${fp} in ${ctx.knownHostsFile}`);
              done(true);
            },
            (e: Error) => {
              failure = err(`cannot record the host key of ${ctx.what} in ${ctx.knownHostsFile}: ${e.message}`, 'make the known_hosts file writable, or record the key yourself');
              done(false);
            },
          );
          return;
        }
        const notes: string[] = [];
        if (verdict.knownTypes.length > 0) notes.push(`only ${verdict.knownTypes.join(', ')} keys are recorded for it`);
        if (verdict.certAuthorityLines.length > 0) {
          notes.push(`@cert-authority lines (${verdict.certAuthorityLines.join(', ')}) are ignored: kinstall does not verify host certificates`);
        }
        failure = err(
          `host key of ${ctx.what} (${name}) is not in ${ctx.knownHostsFile}: the server presented ${type} ${fp}${notes.length ? `; ${notes.join('; ')}` : ''}`,
          `verify the fingerprint out of band, then record it (ssh-keyscan -p ${ctx.port} ${ctx.address} >> ${ctx.knownHostsFile}), or set ssh.hostKeyPolicy: accept-new`,
        );
        done(false);
        return;
      }
    }
  };
  return { verify, failure: () => failure };
}
