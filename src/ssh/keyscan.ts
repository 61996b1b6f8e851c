import { spawn } from 'node:child_process';

/**
 * Fetch a server's host certificates with the OpenSSH client's ssh-keyscan (`-c`: certificates
 * instead of plain keys), because ssh2 cannot negotiate certificate host key algorithms. An argv
 * array, never a shell; `--` so an address can never be read as an option.
 */

export class KeyscanUnavailable extends Error {}

export interface ScannedCertificate {
  /** The certificate type as ssh-keyscan printed it, e.g. ssh-ed25519-cert-v01@openssh.com. */
  type: string;
  blob: Buffer;
}

export function keyscanArgs(address: string, port: number, timeoutSeconds: number): string[] {
  return ['-c', '-p', String(port), '-T', String(Math.max(1, Math.ceil(timeoutSeconds))), '--', address];
}

/**
 * Certificate lines of ssh-keyscan's output; comments and plain keys skipped. OpenSSH 9.x prints a
 * certificate as `type base64` without the host name (ssh-keyscan.c keyprint(): a certificate is
 * not a known_hosts line), plain keys as `host type base64`; both shapes are read.
 */
export function parseKeyscanOutput(stdout: string): ScannedCertificate[] {
  const out: ScannedCertificate[] = [];
  for (const raw of stdout.split('\n')) {
    if (raw.trimStart().startsWith('#')) continue;
    const fields = raw.trim().split(/\s+/);
    const i = fields.findIndex((f) => f.endsWith('-cert-v01@openssh.com'));
    const base64 = i >= 0 ? fields[i + 1] : undefined;
    if (i < 0 || i > 1 || !base64) continue;
    out.push({ type: fields[i]!, blob: Buffer.from(base64, 'base64') });
  }
  return out;
}

export function fetchHostCertificates(
  address: string,
  port: number,
  timeoutSeconds: number,
  binary = 'ssh-keyscan',
): Promise<ScannedCertificate[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, keyscanArgs(address, port, timeoutSeconds), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new KeyscanUnavailable(`${binary} is not installed (not found on PATH)`) : e);
    });
    child.once('close', (code) => {
      const certs = parseKeyscanOutput(stdout);
      // ssh-keyscan exits 0 even when the host did not answer; an empty list says it all.
      if (certs.length > 0 || code === 0) resolve(certs);
      else reject(new Error(`${binary} exited with ${code}: ${stderr.trim().split('\n').filter((l) => !l.startsWith('#')).join('; ') || 'no output'}`));
    });
  });
}
