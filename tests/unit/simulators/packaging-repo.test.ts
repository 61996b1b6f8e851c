// Builds the signed repositories in a temp dir and checks them with the real Debian tools:
// gpgv, dpkg-deb and apt itself (against a private apt root, nothing on this machine changes).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'kinstall-repo-test-'));
const bundles = join(tmp, 'bundles');
const out = join(tmp, 'out');
const deb = (minor: string) => join(out, 'core/stable', minor, 'deb');
const sh = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });

// Bundles the kubelet simulator for real (its --version is checked from the package); the other
// tools are placeholders here: this test is about packaging, their own tests cover them.
beforeAll(async () => {
  mkdirSync(bundles, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'lab/simulators/src/kubelet.ts')], bundle: true, platform: 'node', target: 'node18',
    format: 'cjs', outfile: join(bundles, 'kubelet.js'), logLevel: 'error',
    plugins: [{ name: 'raw', setup(b) {
      b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: resolve(a.resolveDir, a.path.replace(/\?raw$/, '')), namespace: 'raw' }));
      b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: readFileSync(a.path, 'utf8'), loader: 'text' }));
    } }],
  });
  for (const t of ['kubeadm', 'kubectl', 'crictl', 'kube-apiserver']) writeFileSync(join(bundles, `${t}.js`), '#!/usr/bin/env node\n');
  const r = sh(join(ROOT, 'lab/packaging/build-repo.sh'), [out], { KINSTALL_SIM_BUNDLES: bundles });
  if (r.status !== 0) throw new Error(`build-repo.sh failed: ${r.stderr}`);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function aptRoot(minor: string, keyFrom: string) {
  const root = join(tmp, `apt-${minor}-${Math.random().toString(36).slice(2)}`);
  for (const d of ['etc/apt/keyrings', 'etc/apt/sources.list.d', 'etc/apt/preferences.d', 'var/lib/dpkg', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  const keyring = join(root, 'etc/apt/keyrings/kubernetes-apt-keyring.gpg');
  execFileSync('gpg', ['--batch', '--yes', '--dearmor', '-o', keyring, keyFrom]);
  writeFileSync(join(root, 'etc/apt/sources.list'), `deb [signed-by=${keyring}] file://${deb(minor)}/ /\n`);
  const opts = [
    `-oDir=${root}`, `-oDir::State::status=${root}/var/lib/dpkg/status`, `-oDir::Etc::SourceParts=${root}/etc/apt/sources.list.d`,
    `-oDir::Etc::TrustedParts=${root}/etc/apt/trusted.gpg.d`, '-oAPT::Sandbox::User=root', '-oDebug::NoLocking=1', '-oAPT::Architecture=amd64',
  ];
  return { root, apt: (...a: string[]) => sh('apt-get', [...opts, ...a]), cache: (...a: string[]) => sh('apt-cache', [...opts, ...a]) };
}

describe('lab apt repository', () => {
  it('lays out one flat repo per minor with the expected packages', () => {
    const names = (m: string) => execFileSync('ls', [deb(m)], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.deb'));
    expect(names('v1.28')).toEqual(expect.arrayContaining(['kubeadm_1.28.14-1.1_amd64.deb', 'kubeadm_1.28.15-1.1_amd64.deb', 'kubelet_1.28.15-1.1_amd64.deb', 'kubectl_1.28.15-1.1_amd64.deb', 'cri-tools_1.28.0-1.1_amd64.deb']));
    expect(names('v1.29')).toContain('cri-tools_1.29.0-1.1_amd64.deb');
    expect(names('v1.30').some((n) => /^kubeadm_1\.30\.\d+-1\.1_amd64\.deb$/.test(n))).toBe(true);
  });

  it('signs InRelease and Release.gpg with the key published as Release.key (gpgv)', () => {
    const keyring = join(tmp, 'verify.gpg');
    execFileSync('gpg', ['--batch', '--yes', '--dearmor', '-o', keyring, join(deb('v1.28'), 'Release.key')]);
    expect(readFileSync(join(deb('v1.28'), 'Release.key'), 'utf8')).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(sh('gpgv', ['--keyring', keyring, join(deb('v1.28'), 'InRelease')]).status).toBe(0);
    expect(sh('gpgv', ['--keyring', keyring, join(deb('v1.28'), 'Release.gpg'), join(deb('v1.28'), 'Release')]).status).toBe(0);
    const tampered = join(tmp, 'InRelease.tampered');
    writeFileSync(tampered, readFileSync(join(deb('v1.28'), 'InRelease'), 'utf8').replace('Label: ', 'Label: x'));
    expect(sh('gpgv', ['--keyring', keyring, tampered]).status).not.toBe(0);
  });

  it('writes upstream-like control fields', () => {
    const info = execFileSync('dpkg-deb', ['-I', join(deb('v1.28'), 'kubeadm_1.28.15-1.1_amd64.deb')], { encoding: 'utf8' });
    expect(info).toMatch(/Package: kubeadm\n\s*Version: 1\.28\.15-1\.1\n/);
    expect(info).toContain('Depends: cri-tools (>= 1.28.0)');
    const kubelet = execFileSync('dpkg-deb', ['-f', join(deb('v1.28'), 'kubelet_1.28.14-1.1_amd64.deb'), 'Version', 'Depends'], { encoding: 'utf8' });
    expect(kubelet).toContain('Version: 1.28.14-1.1');
    expect(kubelet).toMatch(/Depends: .*kubernetes-cni \(>= 1\.2\.0\).*conntrack.*nodejs/);
    const files = execFileSync('dpkg-deb', ['-c', join(deb('v1.28'), 'kubeadm_1.28.15-1.1_amd64.deb')], { encoding: 'utf8' });
    expect(files).toContain('./usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
    expect(files).toMatch(/\.\/usr\/bin\/kubeadm -> \/usr\/lib\/kinstall-simulator\/kubeadm\.js/);
  });

  it('injects the package version into the bundle: kubelet --version from the extracted package', () => {
    for (const v of ['1.28.14', '1.28.15']) {
      const x = join(tmp, `x-${v}`);
      execFileSync('dpkg-deb', ['-x', join(deb('v1.28'), `kubelet_${v}-1.1_amd64.deb`), x]);
      const r = sh('node', [join(x, 'usr/lib/kinstall-simulator/kubelet.js'), '--version'], { KINSTALL_SIM_VERSION: '' });
      expect(r.stdout.trim()).toBe(`Kubernetes v${v} (kinstall lab simulator)`);
    }
  });

  it('apt resolves a pinned kubeadm through the signed repo (signed-by, no trusted=yes)', () => {
    const { apt, cache } = aptRoot('v1.28', join(deb('v1.28'), 'Release.key'));
    const upd = apt('update');
    expect(upd.status, upd.stderr).toBe(0);
    expect(upd.stderr).not.toMatch(/NO_PUBKEY|not signed|insecure/i);
    const policy = cache('policy', 'kubeadm').stdout;
    expect(policy).toMatch(/Candidate: 1\.28\.15-1\.1/);
    expect(policy).toContain('1.28.14-1.1');
    const uris = apt('download', '--print-uris', 'kubeadm=1.28.15-1.1');
    expect(uris.status, uris.stderr).toBe(0);
    expect(uris.stdout).toContain('kubeadm_1.28.15-1.1_amd64.deb');
    expect(apt('download', '--print-uris', 'kubeadm=1.28.99-1.1').status).not.toBe(0);
  });

  it('apt refuses the repo when verified with a different key', () => {
    const otherHome = join(tmp, 'other-gnupg');
    mkdirSync(otherHome, { mode: 0o700 });
    execFileSync('gpg', ['--homedir', otherHome, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-generate-key', 'other <o@x.invalid>', 'ed25519', 'sign', 'never'], { stdio: 'ignore' });
    const otherKey = join(tmp, 'other.asc');
    writeFileSync(otherKey, execFileSync('gpg', ['--homedir', otherHome, '--armor', '--export'], { encoding: 'utf8' }));
    const { apt } = aptRoot('v1.28', otherKey);
    const r = apt('update');
    expect(`${r.stdout}${r.stderr}`).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/);
  });

  it('is idempotent: a second run with unchanged sources rebuilds nothing', () => {
    const before = readFileSync(join(deb('v1.28'), 'InRelease'), 'utf8');
    const r = sh(join(ROOT, 'lab/packaging/build-repo.sh'), [out], { KINSTALL_SIM_BUNDLES: bundles });
    expect(r.stdout).toContain('is up to date');
    expect(readFileSync(join(deb('v1.28'), 'InRelease'), 'utf8')).toBe(before);
  });
});
