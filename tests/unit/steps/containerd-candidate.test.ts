import { describe, expect, it } from 'vitest';
import { KinstallError } from '../../../src/errors.js';
import {
  binaryArchProblem,
  containerdInstallProblem,
  containerdStep,
  hostGoArch,
  planContainerd,
  renderContainerdInstall,
} from '../../../src/steps/containerd.js';
import { sha256For } from '../../../src/inventory/schema.js';
import { parseKv } from '../../../src/steps/remote.js';
import { containerdCandidateVerdict } from '../../../src/versions/containerd.js';
import { FakeRemote, fakeContext, fakeHost, fakeInventory } from './fakes.js';

const state = (text: string) => parseKv(text.trim().split('\n').map((l) => l.trim()).join('\n'));
const files: { path: string; sha: string }[] = [];

// Debian 11 (bullseye): containerd 1.4.13~ds1-1~deb11u4 is the only candidate.
const bullseye = `
  pkg=apt
  installed=absent
  held=no
  candidate=1.4.13~ds1-1~deb11u4
  policy_candidate=1.4.13~ds1-1~deb11u4
  uname_m=x86_64
  dpkg_arch=amd64
  active=no
  cri=down`;

describe('containerdCandidateVerdict (for preflight too)', () => {
  it('refuses Debian 11 containerd 1.4 for every supported Kubernetes, naming the CRI v1 symptom', () => {
    const v = containerdCandidateVerdict('1.4.13~ds1-1~deb11u4', '1.28.15');
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toContain('1.4.13~ds1-1~deb11u4');
    expect(v.reason).toContain('Kubernetes 1.28.15');
    expect(v.reason).toContain('CRI v1 runtime API is not implemented');
    expect(v.fix).toMatch(/containerd\.version/);
    expect(v.fix).toMatch(/source: binary/);
  });
  it('a table-rejected CRI v1 containerd fails without the v1alpha2 symptom', () => {
    const v = containerdCandidateVerdict('1.6.20~ds1-1+deb12u1', '1.32.4');
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).not.toContain('v1alpha2');
  });
  it('passes a fitting candidate; no candidate at all is a failure', () => {
    expect(containerdCandidateVerdict('1.6.20~ds1-1+deb12u2', '1.28.15')).toEqual({ ok: true });
    expect(containerdCandidateVerdict('1.7.25-3.1.el9', '1.32.4')).toEqual({ ok: true });
    expect(containerdCandidateVerdict('(none)', '1.28.15').ok).toBe(false);
  });
});

describe('unpinned containerd: the candidate is checked before anything is installed', () => {
  it('plan names the candidate it would install', () => {
    const p = planContainerd(state(bullseye), { source: 'package', files });
    expect(p.actions.installVersion).toBe('1.4.13~ds1-1~deb11u4');
    expect(p.changes[0]).toBe('install containerd 1.4.13~ds1-1~deb11u4 (the repository candidate)');
  });
  it('containerdInstallProblem refuses 1.4, accepts a fitting candidate, ignores what is not installed', () => {
    const bad = planContainerd(state(bullseye), { source: 'package', files });
    expect(containerdInstallProblem(state(bullseye), bad.actions, '1.28.15', 'package')?.candidate).toBe('1.4.13~ds1-1~deb11u4');
    const good = bullseye.replaceAll('1.4.13~ds1-1~deb11u4', '1.6.20~ds1-1+deb12u2');
    const ok = planContainerd(state(good), { source: 'package', files });
    expect(containerdInstallProblem(state(good), ok.actions, '1.28.15', 'package')).toBeNull();
    const noSource = bullseye.replace(/candidate=.*\n/g, '').replace('policy_candidate=1.4.13~ds1-1~deb11u4', 'policy_candidate=(none)');
    const none = planContainerd(state(noSource), { source: 'package', files });
    expect(containerdInstallProblem(state(noSource), none.actions, '1.28.15', 'package')?.reason).toMatch(/no containerd package/);
  });
  it('the step probe fails (dry run included) with host, candidate, Kubernetes and the fix — nothing is applied', async () => {
    const host = fakeHost('node1', ['control-plane']);
    const inventory = fakeInventory([host], { containerd: { source: 'package', registryMirrors: {} } });
    const remote = new FakeRemote('node1');
    remote.responders.push(() => ({ stdout: bullseye }));
    const ctx = fakeContext([host], [remote], undefined, inventory);
    const err = await containerdStep.probe(ctx, host, remote).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinstallError);
    const e = err as KinstallError;
    expect(e.host).toBe('node1');
    expect(e.message).toContain('containerd 1.4.13~ds1-1~deb11u4');
    expect(e.message).toContain('Kubernetes 1.28.15');
    expect(e.message).toContain('CRI v1 runtime API is not implemented');
    expect(e.hint).toMatch(/pin a supported containerd.*source: binary/);
  });
});

describe('source: binary takes {arch} from each host', () => {
  it('maps dpkg and uname names to Go names', () => {
    expect(hostGoArch(state('uname_m=aarch64'))).toBe('arm64');
    expect(hostGoArch(state('uname_m=x86_64'))).toBe('amd64');
    expect(hostGoArch(state('uname_m=armv7l\ndpkg_arch=armhf'))).toBe('arm');
    expect(hostGoArch(state('uname_m=ppc64le\ndpkg_arch=ppc64el'))).toBe('ppc64le');
    expect(hostGoArch(state('uname_m=mips'))).toBeUndefined();
  });
  it('picks binarySha256 per architecture and the URL with the host arch', () => {
    const sha = { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) };
    expect(sha256For({ binarySha256: sha }, 'arm64')).toBe('b'.repeat(64));
    expect(sha256For({ binarySha256: 'c'.repeat(64) }, 'arm64')).toBe('c'.repeat(64));
    const host = fakeHost('node1', ['control-plane']);
    const inventory = fakeInventory([host], {
      containerd: { source: 'binary', version: '1.7.25', binaryUrl: 'https://m/containerd-{version}-linux-{arch}.tar.gz', binarySha256: sha, registryMirrors: {} },
    });
    const script = renderContainerdInstall(inventory, { install: true, hold: false, upload: [], restart: true, pkg: 'apt', arch: 'arm64' });
    expect(script).toContain('containerd-1.7.25-linux-arm64.tar.gz');
    expect(script).toContain('b'.repeat(64));
  });
  it('refuses one binarySha256 for hosts of different architectures, and a map missing an arch', () => {
    const mixed = new Map([['node1', 'amd64'], ['node2', 'arm64']]);
    expect(binaryArchProblem({ source: 'binary', binarySha256: 'a'.repeat(64) }, mixed)).toMatch(/one hash but the hosts have different architectures \(node1=amd64, node2=arm64\)/);
    expect(binaryArchProblem({ source: 'binary', binarySha256: { amd64: 'a'.repeat(64) } }, mixed)).toMatch(/no entry for architecture arm64 \(hosts: node2\)/);
    expect(binaryArchProblem({ source: 'binary', binarySha256: { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) } }, mixed)).toBeUndefined();
    expect(binaryArchProblem({ source: 'binary', binarySha256: 'a'.repeat(64) }, new Map([['node1', 'arm64'], ['node2', 'arm64']]))).toBeUndefined();
    expect(binaryArchProblem({ source: 'package', binarySha256: 'a'.repeat(64) }, mixed)).toBeUndefined();
  });
  it('the step prepare reads every host arch and refuses the mixed case', async () => {
    const hosts = [fakeHost('node1', ['control-plane']), fakeHost('node2', ['worker'])];
    const inventory = fakeInventory(hosts, {
      containerd: { source: 'binary', version: '1.7.25', binaryUrl: 'https://m/{arch}', binarySha256: 'a'.repeat(64), registryMirrors: {} },
    });
    const remotes = [new FakeRemote('node1'), new FakeRemote('node2')];
    remotes[0]!.responders.push(() => ({ stdout: 'uname_m=x86_64\n' }));
    remotes[1]!.responders.push(() => ({ stdout: 'uname_m=aarch64\n' }));
    await expect(containerdStep.prepare!(fakeContext(hosts, remotes, undefined, inventory))).rejects.toThrow(/different architectures/);
  });
});

describe('unpinned apt containerd on a host whose apt lists were never read (fresh cloud image)', () => {
  const fresh = bullseye.replace(/\n\s*candidate=.*/g, '').replace('policy_candidate=1.4.13~ds1-1~deb11u4', 'policy_candidate=(none)\n  apt_lists=no');

  it('the probe does not refuse "(none)" without lists: the candidate is not known yet', () => {
    const plan = planContainerd(state(fresh), { source: 'package', files });
    expect(containerdInstallProblem(state(fresh), plan.actions, '1.28.15', 'package')).toBeNull();
    // With lists present, "(none)" does mean the sources offer no containerd.
    const listed = fresh.replace('apt_lists=no', 'apt_lists=yes');
    expect(containerdInstallProblem(state(listed), planContainerd(state(listed), { source: 'package', files }).actions, '1.28.15', 'package')?.reason).toMatch(/no containerd package/);
  });

  it('apply refreshes the lists, checks the candidate and refuses 1.4 before installing anything', async () => {
    const host = fakeHost('node1', ['control-plane']);
    const inventory = fakeInventory([host], { containerd: { source: 'package', registryMirrors: {} } });
    const remote = new FakeRemote('node1');
    remote.responders.push((script) => (script.includes('containerd resolve') ? { stdout: 'policy_candidate=1.4.13~ds1-1~deb11u4\n' } : undefined));
    const ctx = fakeContext([host], [remote], undefined, inventory);
    const data = { actions: planContainerd(state(fresh), { source: 'package', files }).actions, state: state(fresh) };
    const err = await containerdStep.apply(ctx, host, remote, { changes: ['install'], data } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinstallError);
    expect((err as KinstallError).message).toMatch(/refusing to install containerd 1\.4\.13~ds1-1~deb11u4 for Kubernetes .*CRI v1 runtime API is not implemented/);
    expect(remote.execs.map((e) => e.opts?.label)).not.toContain('containerd: install');
  });

  it('apply installs exactly the candidate it checked', async () => {
    const host = fakeHost('node1', ['control-plane']);
    const inventory = fakeInventory([host], { containerd: { source: 'package', registryMirrors: {} } });
    const remote = new FakeRemote('node1');
    remote.responders.push((script) => (script.includes('containerd resolve') ? { stdout: 'policy_candidate=1.6.20~ds1-1+deb12u2\n' } : undefined));
    remote.responders.push((script) => (script.includes('apt-get') && script.includes('install -y') ? { stdout: 'installed=1.6.20~ds1-1+deb12u2\n' } : undefined));
    const ctx = fakeContext([host], [remote], undefined, inventory);
    const data = { actions: { ...planContainerd(state(fresh), { source: 'package', files }).actions, restart: false }, state: state(fresh) };
    await containerdStep.apply(ctx, host, remote, { changes: ['install'], data } as never).catch(() => undefined);
    const install = remote.execs.find((e) => e.opts?.label === 'containerd: install');
    expect(install?.script).toContain("ver='1.6.20~ds1-1+deb12u2'");
  });
});
