import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inventorySchema } from '../../src/inventory/schema.js';
import { lab, rootSh, ssh, type LabDescription } from './lab-support.js';

let l: LabDescription;
beforeAll(() => {
  l = lab();
});

describe('lab hosts', () => {
  it('are distinct machines: hostname, IP, MAC, machine-id', () => {
    expect(l.hosts.length).toBeGreaterThanOrEqual(2);
    const seen = l.hosts.map((h) => {
      const [hostname, addr, mac, machineId] = rootSh(
        l,
        h,
        'hostname; ip -4 -o addr show host0 | awk \'{print $4}\'; cat /sys/class/net/host0/address; cat /etc/machine-id',
      ).split('\n');
      expect(hostname).toBe(h.name);
      expect(addr).toBe(`${h.address}/24`);
      expect(mac).toBe(h.mac);
      expect(machineId).toMatch(/^[0-9a-f]{32}$/);
      return { hostname, addr, mac, machineId };
    });
    for (const key of ['hostname', 'addr', 'mac', 'machineId'] as const) {
      expect(new Set(seen.map((s) => s[key])).size).toBe(l.hosts.length);
    }
  });

  it('run systemd as PID 1 with a working systemctl', () => {
    for (const h of l.hosts) {
      expect(rootSh(l, h, 'cat /proc/1/comm; systemctl is-system-running')).toBe('systemd\nrunning');
    }
  });

  it('have no containerd and no Kubernetes tools before kinstall runs', () => {
    for (const h of l.hosts) {
      expect(ssh(l, 'root', h, 'command -v containerd || command -v kubeadm').code).not.toBe(0);
    }
  });

  it('refuse ssh when the host key does not match known_hosts', () => {
    const [a, b] = l.hosts as [LabDescription['hosts'][0], LabDescription['hosts'][0]];
    // A known_hosts that pins a's address to b's keys: the client must refuse to talk to a.
    const wrong = fs
      .readFileSync(l.knownHostsFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith(`${b.name},`))
      .map((line) => line.replace(`${b.name},${b.address}`, `${a.name},${a.address}`))
      .join('\n');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-kh-')), 'known_hosts');
    fs.writeFileSync(file, wrong + '\n');
    const r = ssh(l, 'root', a, 'true', { knownHostsFile: file });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('let deploy sudo without a password', () => {
    for (const h of l.hosts) {
      const r = ssh(l, 'deploy', h, 'id -un; sudo -n id -u');
      expect(r.stdout).toBe('deploy\n0\n');
    }
  });

  it('make ops give a password for sudo, and accept the lab ops password', () => {
    const password = fs.readFileSync(l.opsPasswordFile, 'utf8').trim();
    expect(fs.statSync(l.opsPasswordFile).mode & 0o777).toBe(0o600);
    for (const h of l.hosts) {
      const nopass = ssh(l, 'ops', h, 'sudo -n true');
      expect(nopass.code).not.toBe(0);
      expect(nopass.stderr).toMatch(/password is required/);
      expect(ssh(l, 'ops', h, "sudo -S -p '' id -u", { input: 'wrong-password\n' }).code).not.toBe(0);
      const ok = ssh(l, 'ops', h, "sudo -S -p '' id -u", { input: `${password}\n` });
      expect(ok.stdout.trim()).toBe('0');
    }
  });

  it('write an inventory kinstall accepts, pointing at the lab', () => {
    const inv = inventorySchema.parse(parse(fs.readFileSync(l.inventory, 'utf8')));
    expect(inv.hosts.map((h) => h.address)).toEqual(l.hosts.map((h) => h.address));
    expect(inv.hosts[0]?.roles).toEqual(['control-plane']);
    expect(inv.kubernetes.imageRepository).toBe(l.imageRepository);
    expect(inv.kubernetes.packageRepository).toBe(l.packageRepository);
    const registry = l.direct ? l.registry : l.fronts.registry.host;
    // LAB_REAL_NAMES=1: the README's default inventory, which has no mirrors.
    expect(inv.containerd.registryMirrors['docker.io']).toEqual(l.realNames ? undefined : [`http://${registry}`]);
    expect(inv.ssh?.knownHostsFile).toBe(l.knownHostsFile);
    expect(inv.ssh?.hostKeyPolicy).toBe('strict');
  });

  it('reach Debian through the apt proxy', () => {
    const h = l.hosts[0]!;
    expect(rootSh(l, h, 'apt-config dump Acquire::http::Proxy')).toContain(l.aptProxy);
    rootSh(l, h, 'apt-get update -qq');
    expect(rootSh(l, h, 'apt-cache policy containerd')).toMatch(/Candidate: 1\.6\.20/);
  });
});
