import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * lab/packaging/real-kubectl.sh refuses what Debian's signed chain does not vouch for, and a cached
 * binary is used only while it still matches what was verified. Mirrors here are loopback servers.
 */

const repoRoot = path.resolve(__dirname, '../../..');
const script = path.join(repoRoot, 'lab/packaging/real-kubectl.sh');
const run = promisify(execFile);

let server: http.Server;
let mirror: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-real-kubectl-'));
  // A mirror whose InRelease is clearsigned-shaped but not signed by a Debian archive key.
  server = http.createServer((req, res) => {
    if (req.url === '/debian/dists/trixie/InRelease') {
      res.end('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nCodename: trixie\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n');
    } else { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function runScript(cache: string, mirrorUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(script, ['--print-path'], { env: { ...process.env, KINSTALL_CACHE: cache, KINSTALL_DEBIAN_MIRROR: mirrorUrl }, timeout: 60_000 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('lab/packaging/real-kubectl.sh', () => {
  it('refuses an InRelease no Debian archive key signed, and keeps nothing', async () => {
    const cache = path.join(tmp, 'forged');
    const r = await runScript(cache, mirror);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`real-kubectl: the signature of ${mirror}/dists/trixie/InRelease does not verify against /usr/share/keyrings/debian-archive-keyring.gpg`);
    expect(fs.existsSync(path.join(cache, 'real-kubectl/1.32.3+ds-2/kubectl'))).toBe(false);
    expect(fs.readdirSync(path.join(cache, 'real-kubectl'))).toEqual([]);
  });

  it('uses a verified cached binary without the network, and re-fetches one that changed', async () => {
    const cache = path.join(tmp, 'cached');
    const dir = path.join(cache, 'real-kubectl/1.32.3+ds-2');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'kubectl'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
    const { createHash } = await import('node:crypto');
    fs.writeFileSync(path.join(dir, 'kubectl.sha256'), `${createHash('sha256').update(fs.readFileSync(path.join(dir, 'kubectl'))).digest('hex')}\n`);
    const closed = 'http://127.0.0.1:9/debian';
    const ok = await runScript(cache, closed);
    expect(ok).toMatchObject({ code: 0, stdout: `${path.join(dir, 'kubectl')}\n` });
    fs.appendFileSync(path.join(dir, 'kubectl'), '# tampered\n');
    const again = await runScript(cache, closed);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`real-kubectl: could not download ${closed}/dists/trixie/InRelease`);
  });
});
