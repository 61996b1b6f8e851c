import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initChecks, joinChecks, joinControlPlaneChecks, preflightRules, type CheckResult, type PreflightEnv } from '../../../lab/simulators/src/common/kubeadm/preflight.js';
import { parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';

const v = (s: string) => parseVersion(s)!;
const roots: string[] = [];
afterAll(() => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); });

/** A host as preflight sees it: files under a temp root, tools on PATH, kernel, CPUs, memory. */
function host(o: { tools?: string[]; kernel?: string; cpus?: number; memMB?: number; swap?: boolean; bridgeNf?: boolean; files?: Record<string, string> } = {}): PreflightEnv {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-preflight-'));
  roots.push(root);
  const put = (p: string, text: string) => { fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true }); fs.writeFileSync(path.join(root, p), text); };
  put('/proc/sys/net/ipv4/ip_forward', '1\n');
  if (o.bridgeNf !== false) put('/proc/sys/net/bridge/bridge-nf-call-iptables', '1\n');
  put('/proc/swaps', `Filename\tType\tSize\tUsed\tPriority\n${o.swap ? '/swapfile file 1048572 0 -2\n' : ''}`);
  for (const [p, t] of Object.entries(o.files ?? {})) put(p, t);
  const tools = new Set(o.tools ?? ['crictl', 'conntrack', 'ip', 'iptables', 'mount', 'nsenter', 'ebtables', 'ethtool', 'socat', 'tc', 'touch']);
  return {
    root, uid: 0, criSocket: `unix://${root}/no-such.sock`, hostname: 'localhost',
    which: (c) => (tools.has(c) ? `/usr/bin/${c}` : null), portInUse: async () => false,
    kubeletVersion: () => 'Kubernetes v1.28.15', kubeletEnabled: () => true,
    kernelRelease: () => o.kernel ?? '6.1.0-28-amd64', numCPU: () => o.cpus ?? 2, memMB: () => o.memMB ?? 4096,
  };
}
const named = (rs: CheckResult[], prefix: string) => rs.filter((r) => r.name.startsWith(prefix) && r.name !== 'CRI');

describe('kubeadm preflight per minor (cmd/kubeadm/app/preflight/checks.go, checks_linux.go)', () => {
  it('mandatory vs optional binaries change by minor (crictl, conntrack) and by deployed version', () => {
    const level = (kubeadm: string, k8s: string | null, tool: string) => preflightRules(v(kubeadm), k8s ? v(k8s) : null).binaries.find(([t]) => t === tool)?.[1];
    expect(level('1.28.15', '1.28.15', 'crictl')).toBe('ERROR');
    expect(level('1.30.6', '1.30.6', 'crictl')).toBe('ERROR');
    expect(level('1.31.0', '1.31.0', 'crictl')).toBe('WARNING');
    expect(level('1.32.0', '1.32.0', 'crictl')).toBeUndefined();
    expect(level('1.31.0', '1.31.0', 'conntrack')).toBe('ERROR');
    expect(level('1.32.0', '1.31.0', 'conntrack')).toBe('ERROR');
    expect(level('1.32.0', '1.32.0', 'conntrack')).toBeUndefined();
    expect(level('1.32.0', null, 'conntrack')).toBeUndefined();
    for (const t of ['ebtables', 'ethtool', 'socat', 'tc', 'touch']) expect(level('1.28.15', '1.28.15', t)).toBe('WARNING');
    expect(() => preflightRules(v('1.27.0'), null)).toThrow(/no preflight rules for kubeadm v1.27.0/);
  });
  it('a minimal host: conntrack missing is an ERROR, socat/ebtables/ethtool WARNINGs (1.28)', async () => {
    const rs = await initChecks(host({ tools: ['crictl', 'ip', 'iptables', 'mount', 'nsenter', 'tc', 'touch'] }), v('1.28.15'), v('1.28.15'), 6443, '/var/lib/etcd');
    expect(named(rs, 'FileExisting-')).toEqual([
      { name: 'FileExisting-conntrack', level: 'ERROR', message: 'conntrack not found in system path' },
      { name: 'FileExisting-ebtables', level: 'WARNING', message: 'ebtables not found in system path' },
      { name: 'FileExisting-ethtool', level: 'WARNING', message: 'ethtool not found in system path' },
      { name: 'FileExisting-socat', level: 'WARNING', message: 'socat not found in system path' },
    ]);
  });
  it('bridge-nf-call-iptables is checked up to 1.29 only', async () => {
    const h = host({ bridgeNf: false });
    expect(named(await initChecks(h, v('1.29.10'), v('1.29.10'), 6443, null), 'FileContent-')).toEqual([
      { name: 'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables', level: 'ERROR', message: '/proc/sys/net/bridge/bridge-nf-call-iptables does not exist' }]);
    expect(named(await initChecks(h, v('1.30.6'), v('1.30.6'), 6443, null), 'FileContent-')).toEqual([]);
  });
  it('swap is a warning, with the minor\'s text', async () => {
    expect(named(await initChecks(host({ swap: true }), v('1.28.15'), v('1.28.15'), 6443, null), 'Swap')).toEqual([
      { name: 'Swap', level: 'WARNING', message: 'swap is enabled; production deployments should disable swap unless testing the NodeSwap feature gate of the kubelet' }]);
  });
  it('SystemVerification kernel rule per minor: 3.10+ until 1.31, 4.4/4.19+/5+ from 1.32 (EL8 4.18 refused)', async () => {
    const el8 = host({ kernel: '4.18.0-553.el8_10.x86_64' });
    expect(named(await initChecks(el8, v('1.31.0'), v('1.31.0'), 6443, null), 'SystemVerification')).toEqual([]);
    expect(named(await initChecks(el8, v('1.32.0'), v('1.32.0'), 6443, null), 'SystemVerification')).toEqual([
      { name: 'SystemVerification', level: 'ERROR', message: 'unsupported kernel release: 4.18.0-553.el8_10.x86_64' }]);
    expect(named(await initChecks(host({ kernel: '3.2.0-4-amd64' }), v('1.28.15'), v('1.28.15'), 6443, null), 'SystemVerification')).toHaveLength(1);
    expect(named(await initChecks(host({ kernel: '5.14.0-503.el9.x86_64' }), v('1.32.0'), v('1.32.0'), 6443, null), 'SystemVerification')).toEqual([]);
  });
  it('control planes need 2 CPUs, 1700 MB and an empty etcd data dir; workers do not', async () => {
    const small = host({ cpus: 1, memMB: 1024, files: { '/var/lib/etcd/member/x': 'old' } });
    const init = await initChecks(small, v('1.28.15'), v('1.28.15'), 6443, '/var/lib/etcd');
    expect(init.filter((r) => ['NumCPU', 'Mem', 'DirAvailable--var-lib-etcd'].includes(r.name)).map((r) => `${r.name}: ${r.message}`)).toEqual([
      'NumCPU: the number of available CPUs 1 is less than the required 2',
      'Mem: the system RAM (1024 MB) is less than the minimum 1700 MB',
      'DirAvailable--var-lib-etcd: /var/lib/etcd is not empty',
    ]);
    const worker = await joinChecks(small, v('1.28.15'), false);
    expect(worker.some((r) => ['NumCPU', 'Mem'].includes(r.name) || r.name.startsWith('DirAvailable--var-lib-etcd'))).toBe(false);
    const cp = await joinControlPlaneChecks(small, 6443, '/var/lib/etcd');
    expect(cp.map((r) => r.name)).toEqual(['NumCPU', 'Mem', 'DirAvailable--var-lib-etcd']);
  });
  it('join: manifests directory must be empty; ca.crt is checked for workers only', async () => {
    const h = host({ files: { '/etc/kubernetes/manifests/etcd.yaml': 'x', '/etc/kubernetes/pki/ca.crt': 'x' } });
    const worker = await joinChecks(h, v('1.28.15'), false);
    expect(worker.filter((r) => r.name.startsWith('DirAvailable') || r.name.startsWith('FileAvailable')).map((r) => r.name))
      .toEqual(['DirAvailable--etc-kubernetes-manifests', 'FileAvailable--etc-kubernetes-pki-ca.crt']);
    const cp = await joinChecks(h, v('1.28.15'), true);
    expect(cp.some((r) => r.name === 'FileAvailable--etc-kubernetes-pki-ca.crt')).toBe(false);
  });
});
