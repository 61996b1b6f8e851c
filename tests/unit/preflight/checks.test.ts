import { describe, expect, it } from 'vitest';
import { checkIds } from '../../../src/preflight/checks.js';
import { controlPlane, fixtureFacts, makeHost, makeInventory, runCheck, worker } from './helpers.js';

const debian = () => fixtureFacts('debian12');
const ubuntu = () => fixtureFacts('ubuntu2204');
const rocky = () => fixtureFacts('rocky9');

describe('check ids', () => {
  it('are the stable ids of issue 3, each once', () => {
    expect([...checkIds].sort()).toEqual(
      [
        'os-supported', 'privileges', 'cpu', 'memory', 'swap', 'selinux', 'firewall', 'ports', 'sysctl-ip-forward',
        'sysctl-bridge-nf-call-iptables', 'sysctl-bridge-nf-call-ip6tables', 'module-br_netfilter', 'module-overlay', 'cgroups',
        'required-binaries', 'hostname-dns1123', 'time-skew', 'package-lock', 'subnet-overlap', 'unique-hostname', 'unique-mac',
        'unique-product-uuid', 'containerd-compat', 'version-skew', 'existing-cluster', 'mirror-reachable', 'node-address',
        'kernel-version', 'cert-expiry', 'api-endpoint-port', 'api-endpoint-haproxy', 'api-endpoint-vip',
      ].sort(),
    );
  });
});

describe('system checks', () => {
  it('os-supported: passes tested releases, warns on untested family members, fails others', () => {
    expect(runCheck('os-supported', rocky()).status).toBe('pass');
    const f = ubuntu();
    f.os.versionId = '18.04';
    expect(runCheck('os-supported', f).status).toBe('warn');
    f.os = { id: 'arch', idLike: [], versionId: '', prettyName: 'Arch Linux' };
    expect(runCheck('os-supported', f)).toMatchObject({ status: 'fail', message: expect.stringContaining('Arch Linux') });
  });
  it('privileges: root passes, another uid fails', () => {
    const f = debian();
    expect(runCheck('privileges', f).status).toBe('pass');
    f.uid = 1000;
    expect(runCheck('privileges', f)).toMatchObject({ status: 'fail', message: expect.stringContaining('uid 1000') });
  });
  it('cpu: a control plane needs 2, a worker has no minimum', () => {
    const f = debian();
    f.cpus = 1;
    expect(runCheck('cpu', f, controlPlane).status).toBe('fail');
    expect(runCheck('cpu', f, worker).status).toBe('pass');
    f.cpus = 2;
    expect(runCheck('cpu', f, controlPlane).status).toBe('pass');
  });
  it('memory: 1700 MB on a control plane; below 1024 MB on a worker only warns (issue 11 item 7)', () => {
    const f = debian();
    f.memTotalKb = 1600 * 1024;
    expect(runCheck('memory', f, controlPlane)).toMatchObject({ status: 'fail', message: expect.stringContaining('1600 MB') });
    expect(runCheck('memory', f, worker).status).toBe('pass');
    f.memTotalKb = 1000 * 1024;
    expect(runCheck('memory', f, worker).status).toBe('warn');
  });
  it('swap: active swap fails with device and size; an fstab line alone fails too', () => {
    expect(runCheck('swap', ubuntu())).toMatchObject({ status: 'fail', message: 'swap is on: /swap.img 2.0 GiB' });
    const f = ubuntu();
    f.swaps = [];
    expect(runCheck('swap', f)).toMatchObject({ status: 'fail', message: expect.stringContaining('/etc/fstab turns it on at boot: /swap.img') });
    expect(runCheck('swap', debian()).status).toBe('pass');
  });
  it('selinux: enforcing fails, permissive with enforcing config warns, absent passes', () => {
    expect(runCheck('selinux', rocky()).status).toBe('fail');
    const f = rocky();
    f.selinux.mode = 'permissive';
    expect(runCheck('selinux', f).status).toBe('warn');
    f.selinux.config = 'permissive';
    expect(runCheck('selinux', f).status).toBe('pass');
    expect(runCheck('selinux', debian()).status).toBe('pass');
  });
  it('cgroups: v1 warns before 1.35 and fails from 1.35; v2 passes', () => {
    expect(runCheck('cgroups', debian()).status).toBe('warn');
    expect(runCheck('cgroups', debian(), controlPlane, makeInventory({ kubernetes: { version: '1.35.0' } })).status).toBe('fail');
    expect(runCheck('cgroups', ubuntu()).status).toBe('pass');
  });
  it('required-binaries: names the missing ones, says up installs them, and gives the packages for the family', () => {
    expect(runCheck('required-binaries', debian())).toMatchObject({
      status: 'warn',
      message: 'missing conntrack, ethtool: installed by kinstall up (prepare-host installs conntrack ethtool)',
      fix: 'apt-get install -y conntrack ethtool (kinstall up and kinstall preflight --fix do it)',
    });
    expect(runCheck('required-binaries', rocky()).fix).toBe('dnf install -y socat ethtool (kinstall up and kinstall preflight --fix do it)');
    const f = debian();
    f.binaries.conntrack = '/usr/sbin/conntrack';
    f.binaries.ethtool = '/usr/sbin/ethtool';
    expect(runCheck('required-binaries', f).status).toBe('pass');
  });
  it('hostname-dns1123: checks the inventory name, or the real hostname with setHostname false', () => {
    const f = rocky();
    expect(runCheck('hostname-dns1123', f, makeHost('Bad_Name', ['worker'])).status).toBe('fail');
    expect(runCheck('hostname-dns1123', f, makeHost('node-1', ['worker'])).status).toBe('pass');
    f.hostname = 'Rocky_Node';
    expect(runCheck('hostname-dns1123', f, makeHost('node-1', ['worker'], '10.0.0.1', false))).toMatchObject({ status: 'fail', message: expect.stringContaining('"Rocky_Node"') });
  });
  it('package-lock: a held dpkg lock warns (up waits for it) and names the holder', () => {
    expect(runCheck('package-lock', debian()).status).toBe('pass');
    const f = debian();
    f.locks[0] = { path: '/var/lib/dpkg/lock-frontend', held: true, pid: '4242', command: 'apt-get' };
    expect(runCheck('package-lock', f)).toMatchObject({ status: 'warn', message: expect.stringContaining('/var/lib/dpkg/lock-frontend held by pid 4242 (apt-get)') });
  });
});

describe('kernel checks', () => {
  it('sysctl-ip-forward: 0 fails, 1 passes', () => {
    expect(runCheck('sysctl-ip-forward', debian())).toMatchObject({ status: 'fail', message: 'net.ipv4.ip_forward = 0' });
    const f = debian();
    f.sysctls['net.ipv4.ip_forward'] = '1';
    expect(runCheck('sysctl-ip-forward', f).status).toBe('pass');
  });
  it('bridge sysctls: absent (no br_netfilter) fails with the modprobe fix; 1 passes', () => {
    for (const id of ['sysctl-bridge-nf-call-iptables', 'sysctl-bridge-nf-call-ip6tables']) {
      expect(runCheck(id, ubuntu())).toMatchObject({ status: 'fail', fix: expect.stringContaining('modprobe br_netfilter') });
      expect(runCheck(id, debian()).status).toBe('pass');
    }
  });
  it('module-br_netfilter: built in (no loadable modules) passes, loadable but unloaded fails', () => {
    expect(runCheck('module-br_netfilter', debian())).toMatchObject({ status: 'pass', message: expect.stringContaining('built into the kernel') });
    expect(runCheck('module-br_netfilter', ubuntu()).status).toBe('fail');
    const f = ubuntu();
    f.modules.br_netfilter!.loaded = true;
    expect(runCheck('module-br_netfilter', f).status).toBe('pass');
    f.modules.br_netfilter = { loaded: false, sysModule: false, builtin: false, loadable: false };
    expect(runCheck('module-br_netfilter', f).message).toContain('neither loaded, built in, nor installed');
  });
  it('module-overlay: loaded or in /proc/filesystems passes, loadable warns, missing fails', () => {
    expect(runCheck('module-overlay', rocky()).status).toBe('pass');
    expect(runCheck('module-overlay', ubuntu()).status).toBe('warn');
    const f = ubuntu();
    f.modules.overlay!.loadable = false;
    expect(runCheck('module-overlay', f).status).toBe('fail');
  });
});

describe('network checks', () => {
  it('firewall: firewalld without the ports fails and names them; open ports pass', () => {
    const r = runCheck('firewall', rocky(), controlPlane);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('6443/tcp (kube-apiserver)');
    expect(r.fix).toContain('firewall-cmd --permanent --add-port=2379-2380/tcp');
    const f = rocky();
    f.firewall.firewalld.ports = ['6443/tcp', '2379-2380/tcp', '10250/tcp', '10257/tcp', '10259/tcp', '8472/udp'];
    expect(runCheck('firewall', f, controlPlane).status).toBe('pass');
  });
  it('firewall: active ufw with default deny needs allow rules; inactive ufw is no firewall', () => {
    expect(runCheck('firewall', ubuntu(), worker)).toMatchObject({ status: 'pass', message: 'no active firewall' });
    const f = ubuntu();
    f.firewall.ufw = 'Status: active\nDefault: deny (incoming), allow (outgoing)\n\nTo Action From\n-- ------ ----\n22/tcp ALLOW IN Anywhere\n10250/tcp ALLOW IN Anywhere\n30000:32767/tcp ALLOW IN Anywhere\n';
    expect(runCheck('firewall', f, worker)).toMatchObject({ status: 'fail', message: 'ufw blocks 8472/udp (flannel VXLAN)', fix: expect.stringContaining('ufw allow 8472/udp') });
  });
  it('firewall: a raw iptables DROP rule or a drop policy on the port fails', () => {
    const f = debian();
    f.firewall.iptablesInput = '-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 6443 -j DROP';
    expect(runCheck('firewall', f, controlPlane)).toMatchObject({ status: 'fail', message: expect.stringContaining('6443/tcp') });
    f.firewall.iptablesInput = '-P INPUT DROP\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 6443,2379:2380,10250,10257,10259 -j ACCEPT\n-A INPUT -p udp --dport 8472 -j ACCEPT';
    expect(runCheck('firewall', f, controlPlane).status).toBe('pass');
    f.firewall.iptablesInput = '-P INPUT ACCEPT\n-A INPUT -s 203.0.113.9/32 -j DROP';
    expect(runCheck('firewall', f, controlPlane).status).toBe('pass');
  });
  it('firewall: an nftables input chain with policy drop fails for ports it does not accept', () => {
    const f = debian();
    f.firewall.nftRuleset = 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport { 22, 6443 } accept\n\t}\n}';
    const r = runCheck('firewall', f, controlPlane);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('nftables chain input blocks 2379-2380/tcp');
    expect(r.message).not.toContain('6443/tcp');
  });
  it('ports: a listener on a role port fails with its process; none passes', () => {
    expect(runCheck('ports', ubuntu(), controlPlane).status).toBe('pass');
    const f = ubuntu();
    f.listeners.push({ proto: 'tcp', address: '0.0.0.0', port: 6443, process: 'nginx' });
    expect(runCheck('ports', f, controlPlane)).toMatchObject({ status: 'fail', message: '6443/tcp (kube-apiserver) is taken by nginx on 0.0.0.0' });
    expect(runCheck('ports', f, worker).status).toBe('pass');
  });
  it('ports: a NodePort-range listener is named on workers; flannel 8472/udp only with flannel', () => {
    const f = ubuntu();
    f.listeners.push({ proto: 'tcp', address: '0.0.0.0', port: 31000, process: 'node' });
    expect(runCheck('ports', f, worker).message).toContain('31000/tcp (NodePort services)');
    const g = ubuntu();
    g.listeners.push({ proto: 'udp', address: '0.0.0.0', port: 8472 });
    expect(runCheck('ports', g, worker).status).toBe('fail');
    expect(runCheck('ports', g, worker, makeInventory({ network: { plugin: 'none' } })).status).toBe('pass');
  });
  it('node-address: the internalAddress must be one of the host\'s addresses, and the fix names the inventory line', () => {
    // The Ubuntu fixture is a two-NIC VirtualBox VM: NAT 10.0.2.15 on enp0s3, 192.168.56.21 on enp0s8.
    expect(runCheck('node-address', ubuntu(), makeHost('u1', ['worker'], '192.168.56.21'))).toMatchObject({ status: 'pass', message: '192.168.56.21 is on enp0s8' });
    const floating = makeHost('u1', ['worker'], '203.0.113.7');
    const r = runCheck('node-address', ubuntu(), floating);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('203.0.113.7 (address) is not an address of this host (it has 10.0.2.15 on enp0s3, 192.168.56.21 on enp0s8): the API server and kubelet can only advertise a local address');
    expect(r.fix).toBe(`set internalAddress of host u1 (${floating.source.file}:${floating.source.line}) to its address on the cluster network`);
    const noAddresses = ubuntu();
    noAddresses.addresses = [];
    expect(runCheck('node-address', noAddresses, floating).status).toBe('skip');
    expect(runCheck('node-address', ubuntu(), makeHost('u1', ['worker'], 'node1.example.com')).status).toBe('skip');
  });
  it('subnet-overlap: a host route inside the service subnet fails; CNI routes are ignored', () => {
    expect(runCheck('subnet-overlap', ubuntu()).status).toBe('pass');
    const f = ubuntu();
    f.routes.push({ dest: '10.96.0.0/16', dev: 'enp0s8' }, { dest: '10.244.1.0/24', dev: 'flannel.1' });
    expect(runCheck('subnet-overlap', f)).toMatchObject({ status: 'fail', message: 'route 10.96.0.0/16 on enp0s8 overlaps serviceSubnet 10.96.0.0/12' });
    expect(runCheck('subnet-overlap', ubuntu(), controlPlane, makeInventory({ kubernetes: { version: '1.28.15', podSubnet: '192.168.0.0/16' } })).message).toContain('overlaps podSubnet');
  });
  it('mirror-reachable: no answer fails with the reason, 401 from a registry passes, 404 repo fails', () => {
    expect(runCheck('mirror-reachable', debian())).toMatchObject({ status: 'fail', message: expect.stringContaining('connection refused') });
    expect(runCheck('mirror-reachable', rocky()).status).toBe('pass');
    const f = ubuntu();
    f.mirrors[1]!.status = 404;
    expect(runCheck('mirror-reachable', f).message).toContain('no v1.28 deb packages');
    f.mirrors.forEach((m) => (m.status = undefined));
    expect(runCheck('mirror-reachable', f).status).toBe('warn');
  });
});

describe('runtime and cluster checks', () => {
  it('containerd-compat: 1.6.20 fits 1.28 but not 1.30; not installed is skipped', () => {
    expect(runCheck('containerd-compat', debian()).status).toBe('pass');
    const r = runCheck('containerd-compat', debian(), controlPlane, makeInventory({ kubernetes: { version: '1.30.4' } }));
    expect(r).toMatchObject({ status: 'fail', message: expect.stringContaining('too old') });
    expect(runCheck('containerd-compat', ubuntu()).status).toBe('skip');
  });
  it('containerd-compat: not installed and unpinned, the apt candidate is run through the table (Debian 11 1.4 refused)', () => {
    const bullseye = ubuntu();
    bullseye.containerd.aptCandidate = '1.4.13~ds1-1~deb11u4';
    bullseye.containerd.aptLists = true;
    const r = runCheck('containerd-compat', bullseye);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('1.4.13~ds1-1~deb11u4');
    expect(r.message).toContain('CRI v1 runtime API is not implemented');
    expect(r.fix).toMatch(/containerd\.version|source: binary/);
    const bookworm = ubuntu();
    bookworm.containerd.aptCandidate = '1.6.20~ds1-1+deb12u2';
    bookworm.containerd.aptLists = true;
    expect(runCheck('containerd-compat', bookworm)).toMatchObject({ status: 'pass', message: expect.stringContaining('would install 1.6.20~ds1-1+deb12u2') });
    expect(runCheck('containerd-compat', bookworm, controlPlane, makeInventory({ kubernetes: { version: '1.30.4' } })).status).toBe('fail');
    // A pinned version was judged by validate; a fresh host without apt lists is not judged yet.
    expect(runCheck('containerd-compat', bullseye, controlPlane, makeInventory({ containerd: { version: '1.7.24', source: 'package', registryMirrors: {} } })).status).toBe('skip');
    const fresh = ubuntu();
    fresh.containerd.aptCandidate = '(none)';
    fresh.containerd.aptLists = false;
    expect(runCheck('containerd-compat', fresh).status).toBe('skip');
    fresh.containerd.aptLists = true;
    expect(runCheck('containerd-compat', fresh).message).toMatch(/no containerd package/);
  });
  it('containerd-compat: CRI disabled in config.toml warns that up fixes it, with the manual fix', () => {
    const r = runCheck('containerd-compat', rocky());
    expect(r.status).toBe('warn');
    expect(r.message).toContain('disables the CRI plugin');
    expect(r.fix).toContain('remove "cri" from disabled_plugins');
  });
  it('containerd-compat: a failing crictl answer fails', () => {
    const f = debian();
    f.containerd.crictl = { exitCode: 1, output: 'validate service connection: CRI v1 runtime API is not implemented for endpoint' };
    expect(runCheck('containerd-compat', f).message).toContain('crictl cannot talk CRI v1');
  });
  it('version-skew: kubectl far from the target fails; nothing installed passes', () => {
    expect(runCheck('version-skew', debian())).toMatchObject({ status: 'fail', message: expect.stringContaining('kubectl 1.32.4') });
    expect(runCheck('version-skew', ubuntu()).status).toBe('pass');
    const f = ubuntu();
    f.kube = { kubeadm: '1.28.15-1.1', kubelet: 'v1.28.15' };
    expect(runCheck('version-skew', f)).toMatchObject({ status: 'pass', message: expect.stringContaining('kubeadm 1.28.15-1.1') });
    f.kube.kubeadm = 'v1.29.0';
    expect(runCheck('version-skew', f).status).toBe('fail');
  });
  it('existing-cluster: kubelet.conf fails and points at kinstall reset', () => {
    expect(runCheck('existing-cluster', ubuntu()).status).toBe('pass');
    const f = ubuntu();
    f.kubeletConf = true;
    expect(runCheck('existing-cluster', f, worker)).toMatchObject({ status: 'fail', message: expect.stringContaining('already a node'), fix: expect.stringContaining('kinstall reset INVENTORY --hosts w1') });
  });
});

describe('docs/checks.md', () => {
  it('documents every check id', async () => {
    const fs = await import('node:fs');
    const doc = fs.readFileSync(new URL('../../../docs/checks.md', import.meta.url), 'utf8');
    for (const id of checkIds) expect(doc, id).toContain(`| \`${id}\` |`);
  });
});
