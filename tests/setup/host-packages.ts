import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm test` on a fresh Debian machine must not depend on what someone installed by hand: the
 * apt packages the tests use (sshd for the SSH tests, containerd for the CRI tests, the lab's
 * machine packages) are installed here when missing. Without root nothing is installed and the
 * tests that need those packages fail with their own messages.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const lists = ['tests/host-packages.txt', 'lab/host-packages.txt'];

function wanted(): string[] {
  return lists
    .flatMap((f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function installed(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('ok installed');
}

export default function setup(): void {
  if (process.getuid?.() !== 0) return;
  const missing = [...new Set(wanted())].filter((p) => !installed(p));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => {
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  };
  process.stderr.write(`installing test packages: ${missing.join(' ')}\n`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}
