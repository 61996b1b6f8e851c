import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../render.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';

/**
 * OpenSSH known_hosts, read and appended the way ssh(1) does (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT"): `[marker] hostpatterns keytype base64key [comment]`, where hostpatterns is a comma
 * list of names/addresses (`[host]:port` for ports other than 22, `*`/`?` wildcards, `!` negation)
 * or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 */

export interface KnownHostEntry {
  /** 1-based line number in the file, for "fix FILE:LINE" messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

export interface KnownHostsFile {
  file: string;
  entries: KnownHostEntry[];
}

/**
 * The name ssh looks up: `host` on port 22, `[host]:port` otherwise, lowercased as ssh(1) does
 * before any known_hosts lookup (openssh-portable ssh.c main(): `lowercase(host)`), so hashed
 * lines written by ssh for `web1` also match an inventory address `WEB1`.
 */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostsFile {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    else if (fields[0].startsWith('@')) return; // unknown marker: ssh ignores the line too
    if (marker) fields.shift();
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return; // malformed: ssh skips it
    const hosts = parseHostField(hostField);
    if (!hosts) return;
    entries.push({ line: index + 1, marker, hosts, keyType, key: Buffer.from(keyBase64, 'base64') });
  });
  return { file, entries };
}

function parseHostField(field: string): KnownHostEntry['hosts'] | undefined {
  if (!field.startsWith('|1|')) return { kind: 'patterns', patterns: field.split(',').filter(Boolean) };
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return undefined;
  return { kind: 'hashed', salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** A hashed host field as `ssh-keygen -H` writes it (salt is 20 random bytes unless given). */
export function hashHostName(name: string, salt: Buffer = crypto.randomBytes(20)): string {
  const hash = crypto.createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** OpenSSH pattern: `*` any run, `?` one character, case-insensitive like ssh's match_pattern. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === 'hashed') {
    // The hash is of the lowercased name (hostfile.c host_hash() is fed ssh's lowercased host);
    // hashing the name as given made `WEB1` miss a line ssh wrote for `web1`.
    const expected = crypto.createHmac('sha1', entry.hosts.salt).update(name.toLowerCase()).digest();
    return expected.length === entry.hosts.hash.length && crypto.timingSafeEqual(expected, entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false; // a negated match vetoes the line
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type inside an SSH public key blob (first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob is too short');
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) throw new Error('host key blob is malformed');
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...` as ssh prints it, so operators can compare with `ssh-keygen -lf`. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
  | { status: 'match'; line: number }
  | { status: 'revoked'; line: number }
  | { status: 'changed'; lines: number[] }
  /** knownTypes: key types recorded for this host (another type than the server offered). */
  | { status: 'unknown'; knownTypes: string[]; certAuthorityLines: number[] };

/**
 * Decide what the presented key means for `name` (see knownHostsName). A revoked key is refused
 * whatever else matches; a recorded key of the same type that differs is a changed key unless
 * another line for the host records exactly this key (ssh accepts any matching line).
 */
export function checkHostKey(known: KnownHostsFile, name: string, blob: Buffer): HostKeyVerdict {
  const type = keyTypeOfBlob(blob);
  const forHost = known.entries.filter((e) => entryMatchesHost(e, name));
  const revoked = known.entries.find((e) => e.marker === 'revoked' && e.key.equals(blob) && entryMatchesHost(e, name));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.keyType === type && e.key.equals(blob));
  if (same) return { status: 'match', line: same.line };
  const differing = plain.filter((e) => e.keyType === type);
  if (differing.length > 0) return { status: 'changed', lines: differing.map((e) => e.line) };
  return {
    status: 'unknown',
    knownTypes: [...new Set(plain.map((e) => e.keyType))],
    certAuthorityLines: forHost.filter((e) => e.marker === 'cert-authority').map((e) => e.line),
  };
}

export function recordedKeyTypes(known: KnownHostsFile, name: string): string[] {
  const plain = known.entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name));
  return [...new Set(plain.map((e) => e.keyType))];
}

export function readKnownHosts(file: string): KnownHostsFile {
  try {
    return parseKnownHosts(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, entries: [] };
    throw err;
  }
}

export function formatKnownHostsLine(name: string, blob: Buffer): string {
  return `${name} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}

// Within one process appends are also queued per file, so hosts of one run do not poll the lock
// file against each other.
const appendQueues = new Map<string, Promise<unknown>>();

/** What appendKnownHost found: the key added (at `line`), or the verdict that stopped it. */
export type AppendResult = { status: 'added'; line: number } | HostKeyVerdict;

/** The lock file that serialises kinstall's appends to `file` (ssh(1) itself takes none). */
export function knownHostsLockFile(file: string): string {
  return `${file}.lock`;
}

/**
 * Record a newly accepted key (hostKeyPolicy accept-new), the way one careful writer would: under
 * an O_EXCL lock file next to known_hosts, re-read the file and decide again. Only a key still
 * unknown (and not covered by an @cert-authority line) is appended; otherwise the verdict found
 * under the lock is returned, so a different key appended meanwhile by another run, or by another
 * host of this run with the same name, comes back as 'changed' with its line and is refused.
 * The append is one write(2) on an O_APPEND descriptor, so a concurrent ssh(1), which takes no
 * lock, cannot interleave within a line.
 */
export function appendKnownHost(file: string, name: string, blob: Buffer, lock: FileLockOptions = {}): Promise<AppendResult> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => withFileLock(knownHostsLockFile(file), () => appendUnderLock(file, name, blob), lock));
  appendQueues.set(file, next);
  void next.finally(() => {
    if (appendQueues.get(file) === next) appendQueues.delete(file);
  }).catch(() => undefined);
  return next;
}

function appendUnderLock(file: string, name: string, blob: Buffer): AppendResult {
  const text = readTextIfExists(file);
  const verdict = checkHostKey(parseKnownHosts(text, file), name, blob);
  if (verdict.status !== 'unknown' || verdict.certAuthorityLines.length > 0) return verdict;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  const needsNewline = text !== '' && !text.endsWith('\n');
  try {
    fs.writeSync(fd, `${needsNewline ? '\n' : ''}${formatKnownHostsLine(name, blob)}\n`);
  } finally {
    fs.closeSync(fd);
  }
  const linesBefore = text === '' ? 0 : text.split('\n').length - (needsNewline ? 0 : 1);
  return { status: 'added', line: linesBefore + 1 };
}

function readTextIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** The shell command that removes a stale key, as ssh itself suggests it. */
export function removeKeyCommand(file: string, name: string): string {
  return `ssh-keygen -f ${shellQuote(file)} -R ${shellQuote(name)}`;
}
