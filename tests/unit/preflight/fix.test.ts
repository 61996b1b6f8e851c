import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { render } from '../../../src/render.js';
import { fixScript, formatPlan, planFixes } from '../../../src/preflight/fix.js';
import { evaluate } from '../../../src/preflight/run.js';
import { fixtureFacts, makeHost, makeInventory } from './helpers.js';

const rockyHost = makeHost('r1', ['control-plane', 'worker'], '192.168.122.31'); // the fixtures' own addresses
const ubuntuHost = makeHost('u1', ['worker'], '192.168.56.21');

function plansFor(inventory = makeInventory()) {
  const collected = [
    { host: rockyHost, facts: fixtureFacts('rocky9'), clockOffsetSeconds: 0 },
    { host: ubuntuHost, facts: fixtureFacts('ubuntu2204'), clockOffsetSeconds: 0 },
  ];
  const report = evaluate(inventory, [rockyHost, ubuntuHost], { collected, unreachable: [] });
  return planFixes(inventory, collected, report);
}

describe('--fix plan', () => {
  it('plans missing tools, SELinux, modules, sysctls and firewalld ports on Rocky; tools, swap, modules, sysctls on Ubuntu', () => {
    const [rocky, ubuntu] = plansFor();
    expect(rocky!.actions.map((a) => a.id)).toEqual(['packages', 'selinux', 'modules', 'sysctl', 'firewall']);
    expect(rocky!.actions[0]!.description).toBe('install socat ethtool (waiting for other apt/dnf runs first)');
    expect(rocky!.actions[4]!.description).toBe('open 6443/tcp, 2379-2380/tcp, 10250/tcp, 10257/tcp, 10259/tcp, 30000-32767/tcp, 8472/udp in firewalld (zone public)');
    // Docker's CRI-disabled config is only a warning now (up rewrites it), so nothing is left over.
    expect(rocky!.notFixable).toEqual([]);
    expect(ubuntu!.actions.map((a) => a.id)).toEqual(['packages', 'swap', 'modules', 'sysctl']);
    expect(ubuntu!.actions[0]!.description).toBe('install conntrack socat ebtables (waiting for other apt/dnf runs first)');
    expect(formatPlan([rocky!])).toContain('  - selinux: setenforce 0');
  });
  it('leaves checks named in preflight.ignore alone', () => {
    const [, ubuntu] = plansFor(makeInventory({ preflight: { ignore: ['swap'] } }));
    expect(ubuntu!.actions.map((a) => a.id)).toEqual(['packages', 'modules', 'sysctl']);
  });
  it('renders one script per host (golden)', () => {
    const [rocky, ubuntu] = plansFor();
    expectGolden('preflight/fix-rocky.sh', fixScript(rocky!));
    expectGolden('preflight/fix-ubuntu.sh', fixScript(ubuntu!));
  });
});

describe('fix-swap script', () => {
  it('comments only fstab swap lines, keeps a backup, and changes nothing the second time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-fix-'));
    const fstab = path.join(dir, 'fstab');
    const swaps = path.join(dir, 'swaps');
    const original = 'UUID=1 / ext4 defaults 0 1\n/swap.img\tnone\tswap\tsw\t0\t0\n# /old none swap sw 0 0\n/dev/sdb1 /srv/swap ext4 defaults 0 2\n';
    fs.writeFileSync(fstab, original);
    fs.writeFileSync(swaps, 'Filename\tType\tSize\tUsed\tPriority\n');
    // The same template, pointed at scratch files instead of the host's /etc/fstab and /proc/swaps.
    const script =
      render('preflight/fix-header.sh.hbs', { host: 'test' }).replace(/^PATH=.*$/m, '') +
      render('preflight/fix-swap.sh.hbs', {}).replaceAll('/etc/fstab', fstab).replaceAll('/proc/swaps', swaps);
    const first = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(first).toContain('commented the swap lines');
    const fixed = fs.readFileSync(fstab, 'utf8');
    expect(fixed).toBe(original.replace('/swap.img\tnone', '# disabled by kinstall (kubelet needs swap off): /swap.img\tnone'));
    expect(fs.readdirSync(dir).filter((f) => f.includes('.kinstall-') && f.endsWith('.bak'))).toHaveLength(1);
    expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' })).toBe('');
    expect(fs.readFileSync(fstab, 'utf8')).toBe(fixed);
    fs.rmSync(dir, { recursive: true });
  });

  it('says which swap is still active and fails when swapoff -a cannot turn it off', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-fix-'));
    const fstab = path.join(dir, 'fstab');
    const swaps = path.join(dir, 'swaps');
    const original = '/swapfile none swap sw 0 0\n';
    fs.writeFileSync(fstab, original);
    fs.writeFileSync(swaps, 'Filename\tType\tSize\tUsed\tPriority\n/swapfile                               file\t\t1020\t\t0\t\t-2\n');
    // util-linux swapoff -a prints nothing for /proc/swaps entries it fails on; it only exits 32.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'swapoff'), '#!/bin/sh\nexit 32\n', { mode: 0o755 });
    const script =
      render('preflight/fix-header.sh.hbs', { host: 'test' }).replace(/^PATH=.*$/m, '') +
      render('preflight/fix-swap.sh.hbs', {}).replaceAll('/etc/fstab', fstab).replaceAll('/proc/swaps', swaps);
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('swap: NOT turned off: swapoff -a exited 32 and swap is still active on: /swapfile');
    expect(r.stdout).not.toContain('turned off');
    expect(fs.readFileSync(fstab, 'utf8')).toBe(original);
    fs.rmSync(dir, { recursive: true });
  });
});
