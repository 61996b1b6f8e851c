import { ExitCode, KinstallError } from '../errors.js';
import type { RunLog } from '../log.js';
import { FileLockTimeout } from './file-lock.js';
import { checkHostCertificate, parseCertificate, type OpenSshCertificate } from './host-cert.js';
import { fetchHostCertificates, KeyscanUnavailable, type ScannedCertificate } from './keyscan.js';
import {
  appendKnownHost,
  checkHostKey,
  entryMatchesHost,
  fingerprint,
  formatKnownHostsLine,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  readKnownHosts,
  recordedKeyTypes,
  removeKeyCommand,
  type HostKeyVerdict,
  type KnownHostsFile,
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
  /**
   * `--dry-run`: a new key (accept-new) is accepted for this run only and NOT written; it is kept
   * in `pending`, shared by every connection of the run, so a second, different key for the same
   * name is still refused as changed.
   */
  dryRun?: boolean;
  pending?: PendingHostKeys;
  /** Tells the operator something besides the run log (the dry run's "would record"). */
  notify?: (host: string, message: string) => void;
  /** The bastion this connection goes through: ssh-keyscan cannot, so certificates cannot be fetched. */
  viaBastion?: string;
  /** ssh-keyscan's -T for fetching a host certificate (default 10). */
  keyscanTimeoutSeconds?: number;
  /** Fetches the server's host certificates out of band (default: ssh-keyscan -c); tests replace it. */
  fetchCertificates?: (address: string, port: number, timeoutSeconds: number) => Promise<ScannedCertificate[]>;
  /** The clock certificate validity is checked against (tests). */
  now?: () => Date;
}

/**
 * Host key algorithms offered by default: ssh2's own list minus `ssh-rsa`, whose signatures use
 * SHA-1 (OpenSSH disabled it by default in 8.8: "ssh-rsa ... SHA-1 hash algorithm"). RSA host
 * keys still work through rsa-sha2-512/256 (RFC 8332), which any sshd since OpenSSH 7.2 offers.
 */
const defaultHostKeyAlgorithms = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];
/** Only with `ssh.allowSha1Rsa: true`, for servers too old for RFC 8332. */
const sha1RsaAlgorithm = 'ssh-rsa';

const algorithmsForKeyType: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', sha1RsaAlgorithm],
};

/**
 * Host key algorithms to offer, with the types already recorded for this host first: like ssh(1),
 * this makes the server present the key we know instead of another type we would call unknown.
 */
export function hostKeyAlgorithms(knownTypes: readonly string[], opts: { allowSha1Rsa?: boolean | undefined } = {}): string[] {
  const offered = opts.allowSha1Rsa ? [...defaultHostKeyAlgorithms, sha1RsaAlgorithm] : defaultHostKeyAlgorithms;
  const preferred = knownTypes.flatMap((t) => algorithmsForKeyType[t] ?? [t]).filter((a) => offered.includes(a));
  return [...new Set([...preferred, ...offered])];
}

/** Key types recorded (plain lines) for the host, read fresh from the file. */
export function knownKeyTypes(file: string, address: string, port: number): string[] {
  return recordedKeyTypes(readKnownHosts(file), knownHostsName(address, port));
}

/**
 * The error for a handshake that found no common host key algorithm. ssh2 only says "no matching
 * host key format"; `offered` (the server's list, from ssh2's debug output) lets us say whether
 * it is the SHA-1 opt-in that is missing.
 */
export function noCommonHostKeyAlgorithm(
  ctx: { host: string; what: string; address: string; port: number },
  offered: string[] | undefined,
  allowSha1Rsa: boolean | undefined,
): KinstallError {
  const where = `${ctx.address}:${ctx.port}`;
  const list = offered?.length ? offered.join(', ') : 'no algorithm kinstall knows';
  if (!allowSha1Rsa && offered?.includes(sha1RsaAlgorithm)) {
    return new KinstallError(`${ctx.what} at ${where} offers only host key algorithms ${list}: ssh-rsa signs with SHA-1, which kinstall does not accept by default`, {
      exitCode: ExitCode.unreachable,
      host: ctx.host,
      hint: 'enable rsa-sha2-256/512 on the server (OpenSSH 7.2 or newer: HostKeyAlgorithms), or, for an old server you trust, set ssh.allowSha1Rsa: true in the inventory',
    });
  }
  return new KinstallError(`${ctx.what} at ${where} offers no host key algorithm kinstall accepts (server offers: ${list})`, {
    exitCode: ExitCode.unreachable,
    host: ctx.host,
    hint: `kinstall accepts ${hostKeyAlgorithms([], { allowSha1Rsa }).join(', ')}; give the server an ed25519 or ecdsa host key`,
  });
}

/**
 * Keys a dry run accepted without writing them, per known_hosts file, as known_hosts lines: the
 * same matching rules apply to them as to the file.
 */
export class PendingHostKeys {
  private readonly lines = new Map<string, string[]>();

  /** The verdict over the keys accepted so far in this run; `file` in messages says "not written". */
  check(file: string, name: string, blob: Buffer): { verdict: HostKeyVerdict; label: string } {
    const label = `${file} (dry run: accepted by this run, not written)`;
    return { verdict: checkHostKey(parseKnownHosts((this.lines.get(file) ?? []).join('\n'), label), name, blob), label };
  }

  add(file: string, name: string, blob: Buffer): void {
    const list = this.lines.get(file) ?? [];
    list.push(formatKnownHostsLine(name, blob));
    this.lines.set(file, list);
  }
}

/**
 * Verify the host through its OpenSSH host certificate, as ssh(1) would with `@cert-authority`
 * (sshconnect.c check_host_cert): ssh2 cannot negotiate *-cert-v01@openssh.com host key
 * algorithms (mscdex/ssh2 lib/protocol/constants.js SUPPORTED_SERVER_HOST_KEY), so the
 * certificate is fetched out of band with ssh-keyscan -c. That is sound because the certificate
 * binds a key to the name: the certificate must be signed by a CA of a matching @cert-authority
 * line (not @revoked), be a valid host certificate for the name we connect to, and certify exactly
 * the plain key the server proved it holds in ssh2's handshake (`key`). Whoever answers the
 * keyscan, only a server holding a certified private key passes. Resolves to the refusal, if any.
 */
async function verifyByCertificate(ctx: HostKeyContext, known: KnownHostsFile, key: Buffer): Promise<KinstallError | undefined> {
  const name = knownHostsName(ctx.address, ctx.port);
  const principal = ctx.address.toLowerCase();
  const file = ctx.knownHostsFile;
  const cas = known.entries.filter((e) => e.marker === 'cert-authority' && entryMatchesHost(e, name));
  const caLines = cas.map((e) => `${file}:${e.line}`).join(', ');
  const fp = fingerprint(key);
  const type = keyTypeOfBlob(key);
  const head = `host certificate of ${ctx.what} (${name}) refused`;
  const fail = (why: string, hint: string) =>
    new KinstallError(`${head}: ${why}`, { exitCode: ExitCode.unreachable, host: ctx.host, hint });
  const plainKeyHint = `verify the fingerprint ${fp} out of band (ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-.*$/g, '')}_key.pub on the host), then record the plain key in ${file}`;

  if (ctx.viaBastion) {
    return fail(
      `${caLines} trusts a certificate authority (@cert-authority) for it, but kinstall fetches host certificates with ssh-keyscan, which cannot go through the bastion ${ctx.viaBastion}`,
      `${plainKeyHint} (e.g. ssh-keyscan run on the bastion: ssh-keyscan -p ${ctx.port} ${ctx.address})`,
    );
  }
  let scanned: ScannedCertificate[];
  try {
    const fetch = ctx.fetchCertificates ?? ((a, p, t) => fetchHostCertificates(a, p, t));
    scanned = await fetch(ctx.address, ctx.port, ctx.keyscanTimeoutSeconds ?? 10);
  } catch (e) {
    const missing = e instanceof KeyscanUnavailable;
    return fail(
      `${caLines} trusts a certificate authority (@cert-authority) for it, and kinstall fetches the host certificate with ssh-keyscan -c, but ${missing ? (e as Error).message : `ssh-keyscan failed: ${(e as Error).message}`}`,
      missing ? `install the OpenSSH client (apt install openssh-client), or ${plainKeyHint}` : `check that ${ctx.address}:${ctx.port} is reachable from here, or ${plainKeyHint}`,
    );
  }
  const certs: OpenSshCertificate[] = [];
  const unreadable: string[] = [];
  for (const s of scanned) {
    try {
      certs.push(parseCertificate(s.blob));
    } catch (e) {
      unreadable.push(`${s.type}: ${(e as Error).message}`);
    }
  }
  if (certs.length === 0) {
    return fail(
      `${caLines} trusts a certificate authority (@cert-authority) for it, but the server presented no host certificate kinstall can read (ssh-keyscan -c -p ${ctx.port} ${ctx.address}${unreadable.length ? `: ${unreadable.join('; ')}` : ' found none'})`,
      `configure a HostCertificate on the server (sshd_config), or ${plainKeyHint}`,
    );
  }
  const cert = certs.find((c) => c.publicKey.equals(key));
  if (!cert) {
    return fail(
      `key mismatch: in the handshake the server proved it holds ${type} key ${fp}, which none of its certificates (${certs.map((c) => `${c.certType} for ${fingerprint(c.publicKey)}`).join(', ')}) certifies`,
      `certify the server's ${type} host key with the CA (ssh-keygen -s CA -h), or ${plainKeyHint}`,
    );
  }
  const caFp = fingerprint(cert.signatureKey);
  const ca = cas.find((e) => e.key.equals(cert.signatureKey));
  if (!ca) {
    return fail(
      `its certificate (key id "${cert.keyId}") is signed by CA ${keyTypeOfBlobSafe(cert.signatureKey)} ${caFp}, which no @cert-authority line for ${name} trusts (${caLines} trust other CAs)`,
      `if that CA is yours, add it: @cert-authority ${name} <CA public key> in ${file}; otherwise ${plainKeyHint}`,
    );
  }
  const where = `${file}:${ca.line}`;
  const revokedCa = known.entries.find((e) => e.marker === 'revoked' && e.key.equals(cert.signatureKey) && entryMatchesHost(e, name));
  if (revokedCa) {
    return fail(
      `its certificate is signed by CA ${caFp} (trusted at ${where}), which ${file}:${revokedCa.line} marks as @revoked`,
      'a revoked CA must never be accepted: re-issue the host certificate with a current CA',
    );
  }
  const check = checkHostCertificate(cert, principal, ctx.now?.() ?? new Date());
  if (!check.ok) {
    return fail(
      `its certificate (key id "${cert.keyId}", serial ${cert.serial}, CA ${caFp} trusted at ${where}) is not acceptable: ${check.reason}`,
      /principal/.test(check.reason) || /not valid for the name/.test(check.reason)
        ? `re-issue it with the name kinstall connects to (ssh-keygen -s CA -h -n ${principal},...), or use that name as the host's address`
        : /expired|not valid yet/.test(check.reason)
          ? 're-issue the host certificate (ssh-keygen -s CA -h -V ...) and check the clocks of both machines'
          : `re-issue the host certificate, or ${plainKeyHint}`,
    );
  }
  ctx.log.write(ctx.host, 'hostkey', `accepted ${name} ${type} ${fp} by its host certificate: key id "${cert.keyId}", serial ${cert.serial}, principal ${principal}, signed by CA ${caFp} trusted at ${where}`);
  return undefined;
}

function keyTypeOfBlobSafe(blob: Buffer): string {
  try {
    return keyTypeOfBlob(blob);
  } catch {
    return 'unreadable';
  }
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
  const refuse = (e: KinstallError, done: (ok: boolean) => void) => {
    failure = e;
    done(false);
  };

  const verify = (key: Buffer, done: (ok: boolean) => void): void => {
    let type: string;
    try {
      type = keyTypeOfBlob(key);
    } catch (e) {
      refuse(err(`${ctx.what} sent an unreadable host key: ${(e as Error).message}`, 'check that the address points at an SSH server'), done);
      return;
    }
    const fp = fingerprint(key);
    const file = ctx.knownHostsFile;

    // Why a verdict other than match or unknown refuses the key; `file` names where it was found.
    const refusal = (verdict: HostKeyVerdict, where: string, meanwhile = ''): KinstallError | undefined => {
      switch (verdict.status) {
        case 'revoked':
          return err(
            `${ctx.what} presented ${type} key ${fp}, which ${where}:${verdict.line} marks as @revoked`,
            'a revoked key must never be accepted: replace the host key on the server and record the new one',
          );
        case 'changed':
          return err(
            `host key of ${ctx.what} (${name}) has CHANGED: the server presented ${type} ${fp}, but ${verdict.lines.map((l) => `${where}:${l}`).join(', ')} records a different ${type} key${meanwhile}. This can be a man-in-the-middle attack, or the host was reinstalled`,
            `if you know the host was reinstalled, remove the old key (${removeKeyCommand(file, name)}) and connect again`,
          );
        default:
          return undefined;
      }
    };

    let known: KnownHostsFile;
    let verdict: HostKeyVerdict;
    try {
      known = readKnownHosts(file);
      verdict = checkHostKey(known, name, key);
    } catch (e) {
      // Thrown inside ssh2's callback it would escape the connection; refuse with the reason.
      refuse(err(`cannot read ${file} to verify the host key of ${ctx.what}: ${(e as Error).message}`, 'make the known_hosts file readable by the user running kinstall'), done);
      return;
    }
    if (verdict.status === 'match') {
      done(true);
      return;
    }
    const refused = refusal(verdict, file);
    if (refused) {
      refuse(refused, done);
      return;
    }
    if (verdict.status !== 'unknown') return refuse(err(`unexpected host key verdict ${verdict.status}`, 'report this as a kinstall bug'), done);

    if (verdict.certAuthorityLines.length > 0) {
      // A CA the operator chose to trust covers this host: its certificate decides, under either
      // policy (accept-new must not record a plain key past the CA).
      verifyByCertificate(ctx, known, key).then(
        (e) => (e ? refuse(e, done) : done(true)),
        (e: Error) => refuse(err(`host certificate of ${ctx.what} (${name}) could not be checked: ${e.message}`, 'report this as a kinstall bug'), done),
      );
      return;
    }

    if (ctx.policy !== 'accept-new') {
      const note = verdict.knownTypes.length > 0 ? `; only ${verdict.knownTypes.join(', ')} keys are recorded for it` : '';
      refuse(
        err(
          `host key of ${ctx.what} (${name}) is not in ${file}: the server presented ${type} ${fp}${note}`,
          `verify the fingerprint out of band, then record it (ssh-keyscan -p ${ctx.port} ${ctx.address} >> ${file}), or set ssh.hostKeyPolicy: accept-new`,
        ),
        done,
      );
      return;
    }

    if (ctx.dryRun) {
      const pending = ctx.pending ?? new PendingHostKeys();
      const seen = pending.check(file, name, key);
      if (seen.verdict.status === 'match') return done(true);
      const clash = refusal(seen.verdict, seen.label, ' (another connection of this run accepted it first)');
      if (clash) return refuse(clash, done);
      pending.add(file, name, key);
      const message = `dry run: would record ${name} ${type} ${fp} in ${file} (accept-new); not written`;
      ctx.log.write(ctx.host, 'hostkey', message);
      ctx.notify?.(ctx.host, message);
      done(true);
      return;
    }

    appendKnownHost(file, name, key).then(
      (result) => {
        if (result.status === 'added') {
          ctx.log.write(ctx.host, 'hostkey', `accept-new: recorded ${name} ${type} ${fp} in ${file}:${result.line}`);
          done(true);
        } else if (result.status === 'match') {
          done(true); // recorded meanwhile by another run or host: the same key, so fine
        } else {
          refuse(refusal(result, file, ' (appended by another kinstall run, or another host of this run, while this one was connecting)') ?? err(`host key of ${ctx.what} (${name}) was not recorded`, 'connect again'), done);
        }
      },
      (e: Error) => {
        const why = e instanceof FileLockTimeout ? `${e.lockFile} is held by ${e.owner}` : e.message;
        refuse(
          err(
            `cannot record the host key of ${ctx.what} in ${file}: ${why}`,
            e instanceof FileLockTimeout
              ? `wait for the other kinstall run to finish; if none is running, remove ${e.lockFile}`
              : 'make the known_hosts file writable, or record the key yourself',
          ),
          done,
        );
      },
    );
  };
  return { verify, failure: () => failure };
}
