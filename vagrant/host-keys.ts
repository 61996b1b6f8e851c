/**
 * SSH host keys of the Vagrant VMs, from two sources:
 * - the VM's serial console log, where the box prints its freshly generated public keys
 *   (`kinstall-hostkey: TYPE BASE64 COMMENT`, see vagrant/box-files/usr/local/sbin/kinstall-hostkeys).
 *   QEMU writes that log on this machine, so nothing on the network can alter it: keys read
 *   there are trusted.
 * - `ssh-keyscan` of the VM's address: whatever answers on the network. Alone that is trust on
 *   first use; next to the console it proves the address really is that VM.
 */

export interface HostKey {
  type: string;
  /** Base64 of the SSH wire-format public key blob. */
  key: string;
}

export class HostKeyError extends Error {}

const keyTypes = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/** The key type embedded in the blob must be the one the line claims (catches garbled lines). */
export function isWellFormed(hostKey: HostKey): boolean {
  if (!keyTypes.includes(hostKey.type)) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(hostKey.key)) return false;
  const blob = Buffer.from(hostKey.key, 'base64');
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1') === hostKey.type;
}

/**
 * Keys printed on the console. A console log can span several boots; the box prints every key at
 * each boot, so the last line of each type wins. Lines garbled by interleaved kernel output are
 * rejected rather than guessed at.
 */
export function parseConsoleHostKeys(log: string): HostKey[] {
  const byType = new Map<string, HostKey>();
  const pattern = /kinstall-hostkey: (\S+) (\S+)/g;
  for (const match of log.matchAll(pattern)) {
    const hostKey = { type: match[1] ?? '', key: match[2] ?? '' };
    if (!isWellFormed(hostKey)) throw new HostKeyError(`console line 'kinstall-hostkey: ${hostKey.type} ${hostKey.key.slice(0, 20)}...' is not a valid public key`);
    byType.set(hostKey.type, hostKey);
  }
  return [...byType.values()];
}

/** `ssh-keyscan` output: `HOST TYPE BASE64` lines, `#` comments. */
export function parseKeyscan(output: string): HostKey[] {
  const keys: HostKey[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, type, key] = line.split(/\s+/);
    const hostKey = { type: type ?? '', key: key ?? '' };
    if (!isWellFormed(hostKey)) throw new HostKeyError(`ssh-keyscan line '${line.slice(0, 60)}' is not a valid host key`);
    keys.push(hostKey);
  }
  return keys;
}

/**
 * Every key the address offered must be one the VM printed on its console; otherwise something
 * else answers on that address (another VM with a stale address, or an interceptor).
 */
export function checkScanMatchesConsole(name: string, address: string, consoleKeys: HostKey[], scanned: HostKey[]): void {
  if (consoleKeys.length === 0) throw new HostKeyError(`${name}: no host keys on its console (is the box built by vagrant/build-box.sh, and the console logged?)`);
  if (scanned.length === 0) throw new HostKeyError(`${name}: ssh-keyscan ${address} returned no keys`);
  const known = new Set(consoleKeys.map((k) => `${k.type} ${k.key}`));
  const foreign = scanned.filter((k) => !known.has(`${k.type} ${k.key}`));
  if (foreign.length > 0) {
    throw new HostKeyError(`${name}: ${address} offers ${foreign.map((k) => k.type).join(', ')} key(s) that ${name} did not print on its console: another machine answers on that address`);
  }
}

/** known_hosts lines for one address (port 22 needs no [addr]:port form). */
export function knownHostsLines(address: string, port: number, keys: HostKey[]): string[] {
  const host = port === 22 ? address : `[${address}]:${port}`;
  return keys.map((k) => `${host} ${k.type} ${k.key}`);
}
