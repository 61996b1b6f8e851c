// Issue 11 items 2 and 12 on the up side: prepare-host installs missing tools, every package step
// waits for other apt/dnf runs and names the holder.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageLockFiles, pkgLockTimeoutSeconds } from '../../../src/preflight/locks.js';
import { render } from '../../../src/render.js';
import { planPrepareHost, renderPrepareHostApply, type PrepareHostDesired } from '../../../src/steps/prepare-host.js';
import { parseKv } from '../../../src/steps/remote.js';
import { execFileSync } from 'node:child_process';
import { expectGolden } from '../../helpers/golden.js';
import { makeInventory } from './helpers.js';
import { controlPlane } from './helpers.js';

const desired: PrepareHostDesired = { hostname: 'node1', hostsBlockSha: 'H', modulesConfSha: 'M', sysctlConfSha: 'S', ports: [] };
const converged = [
  'hostname=node1', 'etc_hostname=node1', 'hosts_block_sha=H', 'swaps_active=0', 'fstab_swap=0', 'modules_conf_sha=M', 'sysctl_conf_sha=S',
  'module_overlay=present', 'module_br_netfilter=present', 'sysctl_net.ipv4.ip_forward=1', 'sysctl_net.bridge.bridge-nf-call-iptables=1',
  'sysctl_net.bridge.bridge-nf-call-ip6tables=1', 'selinux=absent', 'selinux_config=', 'firewall=none', 'timesync=present',
];
const plan = (extra: string[], pkg = 'apt') => planPrepareHost(parseKv([...converged, ...extra, `pkg=${pkg}`].join('\n')), desired);

describe('prepare-host installs missing host tools (item 2)', () => {
  it('a minimal Debian/Ubuntu image: conntrack, socat, ebtables, ethtool, gnupg', () => {
    const p = plan(['tool_missing=conntrack', 'tool_missing=socat', 'tool_missing=ebtables', 'tool_missing=ethtool', 'tool_missing=gpg', 'tool_missing=crictl']);
    expect(p.actions.installPackages).toEqual(['conntrack', 'socat', 'ebtables', 'ethtool', 'gnupg']);
    expect(p.changes).toContain('install conntrack socat ebtables ethtool gnupg (missing: conntrack, socat, ebtables, ethtool, gpg)');
  });
  it('a minimal EL image: dnf names, tc from iproute-tc, no gnupg; curl only when wget is missing too', () => {
    const p = plan(['tool_missing=conntrack', 'tool_missing=tc', 'tool_missing=ebtables', 'tool_missing=gpg', 'tool_missing=curl'], 'dnf');
    expect(p.actions.installPackages).toEqual(['conntrack-tools', '/usr/sbin/ebtables', 'iproute-tc']);
    expect(plan(['tool_missing=curl', 'tool_missing=wget'], 'dnf').actions.installPackages).toEqual(['curl']);
  });
  it('a package the sources lack (remembered by apply) is not retried, so the step converges', () => {
    const p = plan(['tool_missing=ebtables', 'tool_missing=socat', 'pkg_unavailable=ebtables']);
    expect(p.actions.installPackages).toEqual(['socat']);
    expect(plan(['tool_missing=ebtables', 'pkg_unavailable=/usr/sbin/ebtables'], 'dnf').changes).toEqual([]);
  });
  it('nothing missing → no change (a re-run changes nothing)', () => {
    expect(plan(['tool_missing=crictl']).changes).toEqual([]);
    expect(plan([]).actions.installPackages).toEqual([]);
  });
  it('renders the tool installs for apt and dnf (golden; valid POSIX sh)', () => {
    const apt = renderPrepareHostApply({ inventory: makeInventory(), hosts: [controlPlane] }, controlPlane, plan(['tool_missing=conntrack', 'tool_missing=socat', 'tool_missing=gpg']).actions);
    const dnf = renderPrepareHostApply({ inventory: makeInventory(), hosts: [controlPlane] }, controlPlane, plan(['tool_missing=conntrack', 'tool_missing=ebtables', 'tool_missing=tc'], 'dnf').actions);
    expectGolden('steps/prepare-host/apply-tools-apt.sh', apt);
    expectGolden('steps/prepare-host/apply-tools-dnf.sh', dnf);
    for (const script of [apt, dnf]) execFileSync('dash', ['-n'], { input: script });
  });
  it('the apply script waits for the locks before apt and installs only what the sources offer', () => {
    const p = plan(['tool_missing=conntrack', 'tool_missing=gpg']);
    const script = renderPrepareHostApply({ inventory: makeInventory(), hosts: [controlPlane] }, controlPlane, p.actions);
    const wait = script.indexOf('kinstall_pkg_lock_wait\n');
    expect(wait).toBeGreaterThan(0);
    expect(script.indexOf('apt-get -o DPkg::Lock::Timeout=600 update')).toBeGreaterThan(wait);
    expect(script).toContain("for p in conntrack gnupg; do");
  });
});

describe('pkg-lock-wait partial (item 12)', () => {
  const partial = render('partials/pkg-lock-wait.sh.hbs', {});
  let holder: ChildProcess | undefined;
  afterEach(() => {
    holder?.kill('SIGKILL');
    holder = undefined;
  });

  it('carries the documented timeout and lock files', () => {
    expect(partial).toContain(`\${KINSTALL_PKG_LOCK_TIMEOUT:-${pkgLockTimeoutSeconds}}`);
    expect(partial).toContain(`\${KINSTALL_PKG_LOCK_FILES:-${packageLockFiles.join(' ')}}`);
  });

  /** Holds an fcntl (POSIX) lock on file, like apt and the lab's dpkg-lock fault; resolves once held. */
  async function holdLock(file: string): Promise<ChildProcess> {
    const child = spawn('python3', ['-c', 'import fcntl,sys,time\nf=open(sys.argv[1],"w")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("held",flush=True)\ntime.sleep(60)', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    return child;
  }

  function runWait(file: string, timeout: number): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const sh = spawn('sh', ['-c', `set -eu\n${partial}\necho done`], {
        env: { ...process.env, KINSTALL_PKG_LOCK_FILES: file, KINSTALL_PKG_LOCK_TIMEOUT: String(timeout) },
      });
      let stderr = '';
      sh.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      sh.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('waits, names the fcntl holder with pid and command, and fails naming it when the time is up', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-')), 'lock-frontend');
    holder = await holdLock(file);
    const r = await runWait(file, 4);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`kinstall-progress: waiting for the package manager: ${file} is held by pid ${holder.pid} \\(python`));
    expect(r.stderr).toMatch(new RegExp(`gave up after 4 s waiting for another package manager run: ${file} is held by pid ${holder.pid} \\(python`));
  }, 20_000);

  it('goes on once the holder releases the lock', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-')), 'lock');
    holder = await holdLock(file);
    const running = runWait(file, 30);
    setTimeout(() => holder?.kill('SIGKILL'), 2500);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kinstall-progress: waiting for the package manager');
    expect(r.stderr).toMatch(/kinstall-progress: package manager lock free after \d+ s/);
  }, 20_000);

  it('a free or missing lock file does not wait at all', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-lock-')), 'lock');
    fs.writeFileSync(file, '');
    const r = await runWait(`${file} /nonexistent/lock`, 30);
    expect(r).toEqual({ code: 0, stderr: '' });
  });
});
