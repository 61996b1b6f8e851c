import { execFileSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CriClient } from '../cri.js';
import { fmt, parseVersion, type Semver } from './versions.js';

export interface CheckResult { name: string; level: 'ERROR' | 'WARNING'; message: string }

/** Everything preflight reads from the machine; `root` re-roots file paths for tests. */
export interface PreflightEnv {
  root: string;
  uid: number;
  criSocket: string;
  hostname: string;
  /** Resolves a command on PATH; null when absent. */
  which(cmd: string): string | null;
  portInUse(port: number): Promise<boolean>;
  kubeletVersion(): string | null;
  /** `systemctl is-enabled kubelet.service`; true where there is no systemd to ask. */
  kubeletEnabled(): boolean;
}

export function realEnv(criSocket: string, root = process.env.KINSTALL_SIM_ROOT ?? '/'): PreflightEnv {
  return {
    root,
    uid: process.getuid?.() ?? 0,
    criSocket,
    hostname: os.hostname().toLowerCase(),
    which(cmd) {
      for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
        const p = path.join(dir, cmd);
        try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
      }
      return null;
    },
    portInUse: (port) => new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(true));
      s.listen(port, () => s.close(() => resolve(false)));
    }),
    kubeletEnabled() {
      if (process.env.KINSTALL_SIM_ROOT || !this.which('systemctl')) return true;
      try { execFileSync('systemctl', ['is-enabled', 'kubelet.service'], { stdio: 'ignore' }); return true; } catch { return false; }
    },
    kubeletVersion() {
      try { return execFileSync('kubelet', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return null; }
    },
  };
}

const rooted = (env: PreflightEnv, p: string) => path.join(env.root, p);
const checkName = (p: string) => p.replace(/\//g, '-');

function fileAvailable(env: PreflightEnv, p: string, out: CheckResult[]): void {
  if (fs.existsSync(rooted(env, p))) out.push({ name: `FileAvailable-${checkName(p)}`, level: 'ERROR', message: `${p} already exists` });
}

function dirAvailable(env: PreflightEnv, p: string, out: CheckResult[]): void {
  const full = rooted(env, p);
  if (fs.existsSync(full) && fs.readdirSync(full).length > 0) out.push({ name: `DirAvailable-${checkName(p)}`, level: 'ERROR', message: `${p} is not empty` });
}

function fileContent(env: PreflightEnv, p: string, want: string, out: CheckResult[]): void {
  const full = rooted(env, p);
  const name = `FileContent-${checkName(p)}`;
  if (!fs.existsSync(full)) out.push({ name, level: 'ERROR', message: `${p} does not exist` });
  else if (fs.readFileSync(full, 'utf8').trim() !== want) out.push({ name, level: 'ERROR', message: `${p} contents are not set to ${want}` });
}

async function criCheck(env: PreflightEnv, out: CheckResult[]): Promise<void> {
  const client = new CriClient(env.criSocket, 5_000);
  try {
    await client.version();
  } catch (e) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    out.push({ name: 'CRI', level: 'ERROR', message: `container runtime is not running: output: time="${now}" level=fatal msg="${(e as Error).message.replace(/"/g, '\\"')}"\n, error: exit status 1` });
  } finally {
    client.close();
  }
}

function swapCheck(env: PreflightEnv, out: CheckResult[]): void {
  const swaps = rooted(env, 'proc/swaps');
  const lines = fs.existsSync(swaps) ? fs.readFileSync(swaps, 'utf8').trim().split('\n').slice(1).filter(Boolean) : [];
  if (lines.length > 0) out.push({ name: 'Swap', level: 'ERROR', message: 'running with swap on is not supported. Please disable swap' });
}

const REQUIRED_BINARIES: Array<[string, 'ERROR' | 'WARNING']> = [
  ['crictl', 'ERROR'], ['conntrack', 'ERROR'], ['ip', 'ERROR'], ['iptables', 'ERROR'], ['mount', 'ERROR'], ['nsenter', 'ERROR'],
  ['ebtables', 'WARNING'], ['ethtool', 'WARNING'], ['socat', 'WARNING'], ['tc', 'WARNING'], ['touch', 'ERROR'],
];

function binaries(env: PreflightEnv, out: CheckResult[]): void {
  for (const [cmd, level] of REQUIRED_BINARIES) {
    if (!env.which(cmd)) out.push({ name: `FileExisting-${cmd}`, level, message: `${cmd} not found in system path` });
  }
}

async function hostnameCheck(env: PreflightEnv, out: CheckResult[]): Promise<void> {
  try {
    await dns.lookup(env.hostname);
  } catch (e) {
    out.push({ name: 'Hostname', level: 'WARNING', message: `hostname "${env.hostname}" could not be reached` });
    out.push({ name: 'Hostname', level: 'WARNING', message: `hostname "${env.hostname}": lookup ${env.hostname}: ${(e as NodeJS.ErrnoException).code === 'ENOTFOUND' ? 'no such host' : (e as Error).message}` });
  }
}

function kubeletVersionCheck(env: PreflightEnv, k8s: Semver, kubeadm: Semver, out: CheckResult[]): void {
  const raw = env.kubeletVersion();
  const v = raw ? parseVersion(raw.split(/\s+/)[1] ?? '') : null;
  if (!v) {
    out.push({ name: 'KubeletVersion', level: 'ERROR', message: `couldn't get kubelet version: exec: "kubelet": executable file not found in $PATH` });
    return;
  }
  if (v.minor < kubeadm.minor - 1) {
    out.push({ name: 'KubeletVersion', level: 'ERROR', message: `Kubelet version "${fmt(v)}" is lower than kubeadm can support. Please upgrade kubelet` });
  } else if (v.major > k8s.major || v.minor > k8s.minor) {
    out.push({ name: 'KubeletVersion', level: 'ERROR', message: `the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "${fmt(v)}" Control plane version: "${fmt(k8s)}"` });
  }
}

function kubeletService(env: PreflightEnv, out: CheckResult[]): void {
  if (!env.kubeletEnabled()) {
    out.push({ name: 'Service-Kubelet', level: 'WARNING', message: "kubelet service is not enabled, please run 'systemctl enable kubelet.service'" });
  }
}

function common(env: PreflightEnv, out: CheckResult[]): void {
  if (env.uid !== 0) out.push({ name: 'IsPrivilegedUser', level: 'ERROR', message: 'user is not running as root' });
  swapCheck(env, out);
  fileContent(env, '/proc/sys/net/bridge/bridge-nf-call-iptables', '1', out);
  fileContent(env, '/proc/sys/net/ipv4/ip_forward', '1', out);
  binaries(env, out);
}

async function ports(env: PreflightEnv, list: number[], out: CheckResult[]): Promise<void> {
  for (const p of list) if (await env.portInUse(p)) out.push({ name: `Port-${p}`, level: 'ERROR', message: `Port ${p} is in use` });
}

/** The checks `kubeadm init` runs (1.28-1.30), in its order. */
export async function initChecks(env: PreflightEnv, k8s: Semver, kubeadm: Semver, bindPort: number, etcdDataDir: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (env.uid !== 0) { out.push({ name: 'IsPrivilegedUser', level: 'ERROR', message: 'user is not running as root' }); return out; }
  if (os.cpus().length < 2) out.push({ name: 'NumCPU', level: 'ERROR', message: `the number of available CPUs ${os.cpus().length} is less than the required 2` });
  const memMb = Math.floor(os.totalmem() / 1024 / 1024);
  if (memMb < 1700) out.push({ name: 'Mem', level: 'ERROR', message: `the system RAM (${memMb} MB) is less than the minimum 1700 MB` });
  await criCheck(env, out);
  kubeletService(env, out);
  await ports(env, [bindPort, 10259, 10257], out);
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) fileAvailable(env, `/etc/kubernetes/manifests/${c}.yaml`, out);
  await ports(env, [10250, 2379, 2380], out);
  dirAvailable(env, etcdDataDir, out);
  common(env, out);
  await hostnameCheck(env, out);
  kubeletVersionCheck(env, k8s, kubeadm, out);
  return out.filter((c, i) => c.name !== 'IsPrivilegedUser' || i === 0);
}

/** The checks `kubeadm join` runs. */
export async function joinChecks(env: PreflightEnv, controlPlane: { bindPort: number } | undefined): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (env.uid !== 0) { out.push({ name: 'IsPrivilegedUser', level: 'ERROR', message: 'user is not running as root' }); return out; }
  fileAvailable(env, '/etc/kubernetes/kubelet.conf', out);
  fileAvailable(env, '/etc/kubernetes/bootstrap-kubelet.conf', out);
  await criCheck(env, out);
  kubeletService(env, out);
  await ports(env, [10250], out);
  fileAvailable(env, '/etc/kubernetes/pki/ca.crt', out);
  if (controlPlane) {
    await ports(env, [controlPlane.bindPort, 10259, 10257, 2379, 2380], out);
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) fileAvailable(env, `/etc/kubernetes/manifests/${c}.yaml`, out);
  }
  common(env, out);
  await hostnameCheck(env, out);
  return out;
}

/**
 * Split by --ignore-preflight-errors (case-insensitive names, "all"); returns the lines kubeadm
 * prints and the fatal ones. Ignored errors are printed as warnings, like kubeadm does.
 */
export function evaluate(results: CheckResult[], ignore: string[]): { warnings: string[]; errors: string[] } {
  const ig = new Set(ignore.map((s) => s.toLowerCase()));
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const r of results) {
    const ignored = ig.has('all') || ig.has(r.name.toLowerCase());
    if (r.level === 'WARNING' || ignored) warnings.push(`\t[WARNING ${r.name}]: ${r.message}`);
    else errors.push(`\t[ERROR ${r.name}]: ${r.message}`);
  }
  return { warnings, errors };
}

export const PREFLIGHT_HINT = '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`';
