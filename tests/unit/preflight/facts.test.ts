import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { FactsParseError, mirrorTargets, parseFacts, renderFactsScript } from '../../../src/preflight/facts.js';
import { fixtureFacts, fixtureText, makeInventory } from './helpers.js';

const debianFlannelHttp = makeInventory({
  kubernetes: { version: '1.28.15', imageRepository: '10.77.255.1:5000/google_containers', packageRepository: 'http://10.77.255.1:8080/core/stable' },
  containerd: { version: '1.6.20', registryMirrors: { 'docker.io': ['http://10.77.255.1:5000'], '10.77.255.1:5000': ['http://10.77.255.1:5000'] } },
  network: { plugin: 'flannel' },
});
const rhelHttps = makeInventory({
  kubernetes: { version: '1.30.4', imageRepository: 'registry.aliyuncs.com/google_containers', packageRepository: 'https://mirrors.aliyun.com/kubernetes-new/core/stable' },
  containerd: { registryMirrors: { 'docker.io': ['https://mirror.example.com/'] } },
  network: { plugin: 'none' },
});

describe('facts script', () => {
  it('renders for a Debian lab inventory with flannel and an http mirror', () => {
    expectGolden('preflight/facts-debian-http.sh', renderFactsScript(debianFlannelHttp));
  });
  it('renders for an RHEL-style inventory with https mirrors', () => {
    expectGolden('preflight/facts-rhel-https.sh', renderFactsScript(rhelHttps));
  });
  it('probes the registry over http when the registry mirrors reach it over http', () => {
    expect(mirrorTargets(debianFlannelHttp)).toEqual([
      { kind: 'image', url: 'http://10.77.255.1:5000/v2/' },
      { kind: 'deb', url: 'http://10.77.255.1:8080/core/stable/v1.28/deb/Release' },
      { kind: 'rpm', url: 'http://10.77.255.1:8080/core/stable/v1.28/rpm/repodata/repomd.xml' },
    ]);
    expect(mirrorTargets(rhelHttps).map((t) => t.url)).toEqual([
      'https://registry.aliyuncs.com/v2/',
      'https://mirror.example.com/v2/',
      'https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.30/deb/Release',
      'https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.30/rpm/repodata/repomd.xml',
    ]);
  });
});

describe('parseFacts', () => {
  it('reads the Debian 12 output recorded on this machine', () => {
    const f = fixtureFacts('debian12');
    expect(f.os).toMatchObject({ id: 'debian', versionId: '12' });
    expect(f.uid).toBe(0);
    expect(f.cpus).toBe(2);
    expect(f.memTotalKb).toBeGreaterThan(1_000_000);
    expect(f.swaps).toEqual([]);
    expect(f.cgroupFs).toBe('tmpfs');
    expect(f.procModules).toBe(false);
    expect(f.features).toEqual({ bridgeSysctls: true, overlayFs: true });
    expect(f.modules.overlay!.sysModule).toBe(true);
    expect(f.binaries.conntrack).toBeUndefined();
    expect(f.binaries.ip).toBe('/usr/sbin/ip');
    expect(f.productUuid).toBeUndefined();
    expect(f.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(f.containerd.version).toBe('1.6.20~ds1');
    expect(f.containerd.criDisabled).toBe(false);
    expect(f.locks).toEqual([{ path: '/var/lib/dpkg/lock-frontend', held: false }, { path: '/var/lib/dpkg/lock', held: false }]);
    expect(f.links.find((l) => l.name === 'eth0')).toEqual({ name: 'eth0', mac: '02:fc:00:00:00:01', virtual: false });
    expect(f.routes).toContainEqual({ dest: 'default', dev: 'eth0' });
    expect(f.mirrors[0]).toEqual({ kind: 'image', url: 'http://127.0.0.1:5999/v2/', status: 0, curlExit: 7 });
    expect(f.epoch).toBeGreaterThan(1_700_000_000);
  });

  it('reads Ubuntu 22.04: swap file, fstab line, listeners with processes, dpkg packages', () => {
    const f = fixtureFacts('ubuntu2204');
    expect(f.os).toMatchObject({ id: 'ubuntu', idLike: ['debian'], versionId: '22.04' });
    expect(f.swaps).toEqual([{ device: '/swap.img', type: 'file', sizeKb: 2097148 }]);
    expect(f.fstabSwapLines).toEqual(['/swap.img\tnone\tswap\tsw\t0\t0']);
    expect(f.listeners).toContainEqual({ proto: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' });
    expect(f.listeners).toContainEqual({ proto: 'udp', address: '127.0.0.53', port: 53, process: 'systemd-resolve' });
    expect(f.sysctls['net.bridge.bridge-nf-call-iptables']).toBe('absent');
    expect(f.modules.br_netfilter).toEqual({ loaded: false, sysModule: false, builtin: false, loadable: true });
    expect(f.productUuid).toBe('4d2c1f0e-7a1b-4e8a-9c3d-2b5f6a7e8d91');
    expect(f.routes).toContainEqual({ dest: '192.168.56.0/24', dev: 'enp0s8' });
    expect(f.addresses).toContainEqual({ dev: 'enp0s3', cidr: '10.0.2.15/24' });
  });

  it('reads Rocky 9: SELinux, firewalld services, containerd.io with CRI disabled', () => {
    const f = fixtureFacts('rocky9');
    expect(f.os.idLike).toEqual(['rhel', 'centos', 'fedora']);
    expect(f.selinux).toEqual({ mode: 'enforcing', config: 'enforcing' });
    expect(f.firewall.firewalld).toMatchObject({ state: 'running', zone: 'public', ports: [] });
    expect(f.firewall.firewalld.services).toContainEqual({ name: 'ssh', ports: ['22/tcp'] });
    expect(f.containerd.version).toBe('1.6.32');
    expect(f.containerd.criDisabled).toBe(true);
    expect(f.listeners).toContainEqual({ proto: 'tcp', address: '*', port: 9090, process: 'systemd' });
  });

  it('reads installed Kubernetes versions from binaries, else from installed packages only', () => {
    const text = fixtureText('ubuntu2204.txt')
      .replace('pkg.kubeadm=', 'pkg.kubeadm=ii  1.28.15-1.1')
      .replace('pkg.kubectl=', 'pkg.kubectl=rc  1.27.1-1.1')
      .replace('kubelet_conf=', 'kubelet_bin=Kubernetes v1.28.2\nkubelet_conf=');
    expect(parseFacts(text).kube).toEqual({ kubeadm: '1.28.15-1.1', kubelet: 'v1.28.2' });
  });

  it('reads held locks with the holder', () => {
    const f = parseFacts(fixtureText('ubuntu2204.txt').replace('lock=/var/lib/dpkg/lock-frontend free', 'lock=/var/lib/dpkg/lock-frontend held 4242 unattended-upgr'));
    expect(f.locks[0]).toEqual({ path: '/var/lib/dpkg/lock-frontend', held: true, pid: '4242', command: 'unattended-upgr' });
  });

  it('reads /proc/net listeners when ss is missing', () => {
    const proc = [
      'tcp   sl  local_address rem_address   st',
      'tcp   0: 00000000:1920 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0',
      'tcp   1: 0100007F:0016 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0',
      'udp   0: 00000000:2118 00000000:0000 07 00000000:00000000 00:00000000 00000000     0',
    ].join('\n');
    const text = fixtureText('debian12.txt').replace(/^listen_source=ss$/m, 'listen_source=proc').replace(/^listen\.b64=.*$/m, `listen.b64=${Buffer.from(proc).toString('base64')}`);
    expect(parseFacts(text).listeners).toEqual([
      { proto: 'tcp', address: '0.0.0.0', port: 6432 },
      { proto: 'udp', address: '0.0.0.0', port: 8472 },
    ]);
  });

  it('rejects output that stopped half-way', () => {
    const text = fixtureText('debian12.txt').replace(/^end=ok$/m, '');
    expect(() => parseFacts(text)).toThrow(FactsParseError);
  });
});
