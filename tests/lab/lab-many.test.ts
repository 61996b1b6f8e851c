import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import { labDir, labScript, mountsUnder, processesWhere, run, type Result } from './lab-support.js';

/**
 * Many-hosts mode (lab/many.sh): light sshd hosts in their own network namespaces. Runs with
 * LAB_MANY=5 for speed, in slot 1 (own namespaces kmany1*, 10.78.64.0/18, LAB_DIR/many1), so a
 * benchmark using slot 0 (`npm run lab:many:up`) keeps running undisturbed.
 */

interface ManyHost {
  name: string;
  address: string;
  mac: string;
  machineId: string;
  netns: string;
  hostKey: string;
  sshdPid: number;
}
interface ManyDescription {
  manyDir: string;
  hosts: ManyHost[];
  identityFile: string;
  knownHostsFile: string;
  inventory: string;
}

const manyDir = path.join(labDir, 'many1');
const hostsFile = path.join(manyDir, 'hosts.json');
const N = 5;

function many(action: 'up' | 'down', hosts = N): void {
  labScript('many', [action], { LAB_MANY: String(hosts), LAB_MANY_SLOT: '1' });
}

function describeMany(): ManyDescription {
  return JSON.parse(fs.readFileSync(hostsFile, 'utf8')) as ManyDescription;
}

function ssh(m: ManyDescription, user: string, host: ManyHost, script: string, knownHostsFile = m.knownHostsFile): Result {
  return run('ssh', [
    '-i', m.identityFile,
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'ConnectTimeout=5',
    `${user}@${host.address}`,
    script,
  ]);
}

/** Every trace of slot 1, found independently of the script's own check. */
function leftovers(): string[] {
  // Ours: the sshds (our sshd_config) and their start-up wrappers (paths in run/).
  const found = processesWhere((cmdline) => cmdline.includes(`${manyDir}/sshd_config`) || cmdline.includes(`${manyDir}/run/`));
  for (const mountPoint of mountsUnder(`${manyDir}/`)) found.push(`mount ${mountPoint}`);
  const netns = run('ip', ['netns', 'list']).stdout.split('\n').filter((n) => /^kmany1(-|\s|$)/.test(n));
  if (netns.length) found.push(`netns ${netns.join(',')}`);
  const links = run('ip', ['-br', 'link']).stdout.split('\n').filter((l) => l.startsWith('kmany1-host'));
  if (links.length) found.push(`links ${links.join(',')}`);
  const routes = run('ip', ['route']).stdout.split('\n').filter((r) => /^10\.78\.(64\.0\/18|254\.0\/30) /.test(r));
  if (routes.length) found.push(`routes ${routes.join(',')}`);
  const addrs = run('ip', ['-br', 'addr']).stdout.split('\n').filter((a) => / 10\.78\.254\./.test(a));
  if (addrs.length) found.push(`addresses ${addrs.join(',')}`);
  return found;
}

let m: ManyDescription;

beforeAll(() => {
  many('up');
  m = describeMany();
});

afterAll(() => {
  many('down'); // a no-op after the last test, the cleanup when an earlier one failed
});

describe('lab many-hosts mode', () => {
  it('describes N hosts with distinct addresses, MACs, machine-ids and host keys', () => {
    expect(m.hosts.map((h) => h.name)).toEqual(Array.from({ length: N }, (_, i) => `many${i + 1}`));
    const keys = m.hosts.map((h) => fs.readFileSync(h.hostKey, 'utf8').split(' ').slice(0, 2).join(' '));
    for (const values of [m.hosts.map((h) => h.address), m.hosts.map((h) => h.mac), m.hosts.map((h) => h.machineId), keys]) {
      expect(new Set(values).size).toBe(N);
    }
    // known_hosts pins each name and address to that host's own key file.
    const knownHosts = fs.readFileSync(m.knownHostsFile, 'utf8').trim().split('\n');
    expect(knownHosts).toEqual(m.hosts.map((h, i) => `${h.name},${h.address} ${keys[i]}`));
  });

  it('lets root in by key with strict host key checking, each host with its own identity', () => {
    for (const h of m.hosts) {
      const r = ssh(
        m,
        'root',
        h,
        'id -u; cat /proc/sys/kernel/hostname /etc/machine-id /sys/class/net/eth0/address; ls /sys/class/net | tr "\\n" " "; echo; ip -4 -o addr show eth0',
      );
      expect(r.stderr).not.toMatch(/Warning|Permanently added/);
      expect(r.code).toBe(0);
      const [uid, hostname, machineId, mac, links, addr] = r.stdout.trim().split('\n');
      expect({ uid, hostname, machineId, mac, links }).toEqual({ uid: '0', hostname: h.name, machineId: h.machineId, mac: h.mac, links: 'eth0 lo ' });
      expect(addr).toContain(` ${h.address}/`);
    }
  });

  it('keep the machine\'s cgroup filesystem visible, like a real host (facts read it)', () => {
    const machine = run('stat', ['-fc', '%T', '/sys/fs/cgroup']).stdout.trim();
    expect(ssh(m, 'root', m.hosts[0]!, 'stat -fc %T /sys/fs/cgroup').stdout.trim()).toBe(machine);
  });

  it('refuses a host whose key does not match known_hosts, and any user but root', () => {
    const [a, b] = m.hosts as [ManyHost, ManyHost];
    const bKey = fs.readFileSync(b.hostKey, 'utf8').split(' ').slice(0, 2).join(' ');
    const wrong = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'many-kh-')), 'known_hosts');
    fs.writeFileSync(wrong, `${a.name},${a.address} ${bKey}\n`);
    const spoofed = ssh(m, 'root', a, 'true', wrong);
    expect(spoofed.code).toBe(255);
    expect(spoofed.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    const other = ssh(m, 'daemon', a, 'true');
    expect(other.code).toBe(255);
    expect(other.stderr).toMatch(/Permission denied/);
  });

  it('writes a valid kinstall inventory: many1 control-plane, the rest workers, k8s 1.28.15', () => {
    const loaded = loadInventory(m.inventory);
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
    expect(loaded.inventory.kubernetes.version).toBe('1.28.15');
    expect(loaded.hosts.map((h) => [h.name, h.address, h.roles])).toEqual(
      m.hosts.map((h, i) => [h.name, h.address, i === 0 ? ['control-plane'] : ['worker']]),
    );
  });

  it('up again keeps the running sshds; a smaller LAB_MANY removes the extra hosts', () => {
    many('up');
    expect(describeMany().hosts.map((h) => h.sshdPid)).toEqual(m.hosts.map((h) => h.sshdPid));

    many('up', 3);
    const now = describeMany();
    expect(now.hosts.map((h) => h.sshdPid)).toEqual(m.hosts.slice(0, 3).map((h) => h.sshdPid));
    for (const gone of m.hosts.slice(3)) {
      expect(fs.existsSync(`/proc/${gone.sshdPid}/cmdline`) && fs.readFileSync(`/proc/${gone.sshdPid}/cmdline`, 'utf8').includes(manyDir)).toBe(false);
      expect(run('ip', ['netns', 'list']).stdout).not.toMatch(new RegExp(`^${gone.netns}\\b`, 'm'));
    }
    many('up');
    m = describeMany();
  });

  it('down kills every sshd and removes namespaces, links, routes and state, keeping the host keys', () => {
    expect(leftovers().length).toBeGreaterThan(0); // the probe sees the running hosts
    many('down');
    expect(leftovers()).toEqual([]);
    expect(fs.existsSync(hostsFile)).toBe(false);
    for (const h of m.hosts) expect(fs.existsSync(h.hostKey)).toBe(true);
  });
});
