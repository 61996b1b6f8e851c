import { execFileSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { criClient } from '../lazy.js';
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
  /** `uname -r`. */
  kernelRelease(): string;
  numCPU(): number;
  /** Total memory in MB. */
  memMB(): number;
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
    kernelRelease: () => os.release(),
    numCPU: () => os.cpus().length,
    memMB: () => Math.floor(os.totalmem() / 1024 / 1024),
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
  const client = await criClient(env.criSocket, 5_000);
  try {
    await client.version();
  } catch (e) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    out.push({ name: 'CRI', level: 'ERROR', message: `container runtime is not running: output: time="${now}" level=fatal msg="${(e as Error).message.replace(/"/g, '\\"')}"\n, error: exit status 1` });
  } finally {
    client.close();
  }
}

/**
 * What changed in kubeadm's preflight between the minors the simulator can be, by kubeadm minor
 * (and, for conntrack, by the Kubernetes version being deployed). Sources, per rule:
 * - binaries: cmd/kubeadm/app/preflight/checks_linux.go addExecChecks (InPathCheck mandatory =
 *   ERROR, optional = WARNING). crictl: mandatory up to 1.30, optional in 1.31 (kubeadm uses the
 *   cri-client: kubernetes#124685), not checked from 1.32 (kubernetes#126596; kubeadm#3064).
 *   conntrack: mandatory unless the Kubernetes version is >= 1.32.0 (kubernetes#126952; the 1.32
 *   code skips it when no version is known, as on join).
 * - bridge-nf-call-iptables: addIPv4Checks had FileContent--proc-sys-net-bridge-bridge-nf-call-iptables
 *   up to 1.29; from 1.30 only ip_forward is checked.
 * - swap: checks.go SwapCheck returns a warning (since 1.28; the kubelet's failSwapOn is what
 *   refuses swap). Text per minor as in checks.go.
 * - kernel: SystemVerification's KernelValidator with the k8s.io/system-validators DefaultSysSpec
 *   vendored by that kubeadm: 3.10+ up to 1.31 (validators/types_unix.go), 4.4.x, 4.19+ or 5+
 *   from 1.32 (system-validators#37, v1.9.x), so EL8's 4.18 is refused there.
 */
export interface PreflightRules {
  binaries: Array<[string, 'ERROR' | 'WARNING']>;
  bridgeNf: boolean;
  swapMessage: string;
  kernelVersions: RegExp[];
}

const KERNEL_3_10_PLUS = [/^3\.[1-9][0-9].*$/, /^([4-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/];
const KERNEL_SV_1_9 = [/^4\.4.*$/, /^4\.19.*$/, /^4\.[2-9][0-9].*$/, /^([5-9]|[1-9][0-9]+)\.([0-9]+)\.([0-9]+).*$/];

export function preflightRules(kubeadm: Semver, k8s: Semver | null): PreflightRules {
  if (kubeadm.major !== 1 || kubeadm.minor < 28 || kubeadm.minor > 32) {
    throw new Error(`the kinstall lab simulator has no preflight rules for kubeadm ${fmt(kubeadm)} (it knows 1.28-1.32)`);
  }
  const m = kubeadm.minor;
  const binaries: Array<[string, 'ERROR' | 'WARNING']> = [];
  if (m <= 30) binaries.push(['crictl', 'ERROR']);
  else if (m === 31) binaries.push(['crictl', 'WARNING']);
  const conntrack = m < 32 || (k8s !== null && k8s.minor < 32);
  if (conntrack) binaries.push(['conntrack', 'ERROR']);
  binaries.push(['ip', 'ERROR'], ['iptables', 'ERROR'], ['mount', 'ERROR'], ['nsenter', 'ERROR'],
    ['ebtables', 'WARNING'], ['ethtool', 'WARNING'], ['socat', 'WARNING'], ['tc', 'WARNING'], ['touch', 'WARNING']);
  return {
    binaries,
    bridgeNf: m < 30,
    swapMessage: m < 30
      ? 'swap is enabled; production deployments should disable swap unless testing the NodeSwap feature gate of the kubelet'
      : 'swap is supported for cgroup v2 only; the NodeSwap feature gate of the kubelet is beta but disabled by default',
    kernelVersions: m < 32 ? KERNEL_3_10_PLUS : KERNEL_SV_1_9,
  };
}

function swapCheck(env: PreflightEnv, rules: PreflightRules, out: CheckResult[]): void {
  const swaps = rooted(env, 'proc/swaps');
  const lines = fs.existsSync(swaps) ? fs.readFileSync(swaps, 'utf8').trim().split('\n').slice(1).filter(Boolean) : [];
  if (lines.length > 0) out.push({ name: 'Swap', level: 'WARNING', message: rules.swapMessage });
}

function binaries(env: PreflightEnv, rules: PreflightRules, out: CheckResult[]): void {
  for (const [cmd, level] of rules.binaries) {
    if (!env.which(cmd)) out.push({ name: `FileExisting-${cmd}`, level, message: `${cmd} not found in system path` });
  }
}

/** SystemVerification, the kernel part (system-validators KernelValidator.validateKernelVersion). */
function kernelCheck(env: PreflightEnv, rules: PreflightRules, out: CheckResult[]): void {
  const release = env.kernelRelease();
  if (!rules.kernelVersions.some((re) => re.test(release))) {
    out.push({ name: 'SystemVerification', level: 'ERROR', message: `unsupported kernel release: ${release}` });
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

/** checks.go addCommonChecks (+ checks_linux.go), then addIPv4Checks. */
async function common(env: PreflightEnv, rules: PreflightRules, k8s: Semver | null, kubeadm: Semver, out: CheckResult[]): Promise<void> {
  await criCheck(env, out);
  swapCheck(env, rules, out);
  binaries(env, rules, out);
  kernelCheck(env, rules, out);
  await hostnameCheck(env, out);
  if (k8s) kubeletVersionCheck(env, k8s, kubeadm, out);
  kubeletService(env, out);
  await ports(env, [10250], out);
  if (rules.bridgeNf) fileContent(env, '/proc/sys/net/bridge/bridge-nf-call-iptables', '1', out);
  fileContent(env, '/proc/sys/net/ipv4/ip_forward', '1', out);
}

/** checks.go RunInitNodeChecks' control-plane part (also run for a control-plane join). */
async function controlPlaneChecks(env: PreflightEnv, bindPort: number, etcdDataDir: string | null, out: CheckResult[]): Promise<void> {
  // constants.go ControlPlaneNumCPU = 2, ControlPlaneMem = 1700 (MB).
  const cpus = env.numCPU();
  if (cpus < 2) out.push({ name: 'NumCPU', level: 'ERROR', message: `the number of available CPUs ${cpus} is less than the required 2` });
  const memMb = env.memMB();
  if (memMb < 1700) out.push({ name: 'Mem', level: 'ERROR', message: `the system RAM (${memMb} MB) is less than the minimum 1700 MB` });
  await ports(env, [bindPort, 10259, 10257], out);
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) fileAvailable(env, `/etc/kubernetes/manifests/${c}.yaml`, out);
  if (etcdDataDir) {
    await ports(env, [2379, 2380], out);
    dirAvailable(env, etcdDataDir, out);
  }
}

async function ports(env: PreflightEnv, list: number[], out: CheckResult[]): Promise<void> {
  for (const p of list) if (await env.portInUse(p)) out.push({ name: `Port-${p}`, level: 'ERROR', message: `Port ${p} is in use` });
}

/** The checks `kubeadm init` runs (checks.go RunInitNodeChecks), in its order. */
export async function initChecks(env: PreflightEnv, k8s: Semver, kubeadm: Semver, bindPort: number, etcdDataDir: string | null): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (env.uid !== 0) { out.push({ name: 'IsPrivilegedUser', level: 'ERROR', message: 'user is not running as root' }); return out; }
  const rules = preflightRules(kubeadm, k8s);
  await controlPlaneChecks(env, bindPort, etcdDataDir, out);
  await common(env, rules, k8s, kubeadm, out);
  return out;
}

/**
 * The checks `kubeadm join` runs before discovery (checks.go RunJoinNodeChecks): the manifests
 * directory must be empty, no kubelet.conf / bootstrap-kubelet.conf, and (workers only) no ca.crt.
 * The Kubernetes version is not known yet, so no kubelet version check.
 */
export async function joinChecks(env: PreflightEnv, kubeadm: Semver, controlPlane: boolean): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (env.uid !== 0) { out.push({ name: 'IsPrivilegedUser', level: 'ERROR', message: 'user is not running as root' }); return out; }
  const rules = preflightRules(kubeadm, null);
  dirAvailable(env, '/etc/kubernetes/manifests', out);
  fileAvailable(env, '/etc/kubernetes/kubelet.conf', out);
  fileAvailable(env, '/etc/kubernetes/bootstrap-kubelet.conf', out);
  await common(env, rules, null, kubeadm, out);
  if (!controlPlane) fileAvailable(env, '/etc/kubernetes/pki/ca.crt', out);
  return out;
}

/**
 * A control-plane join's second round, after discovery ("[preflight] Running pre-flight checks
 * before initializing the new control plane instance"): RunInitNodeChecks for a secondary control
 * plane — NumCPU, Mem, ports, manifests, and an empty etcd data directory for a local etcd.
 */
export async function joinControlPlaneChecks(env: PreflightEnv, bindPort: number, etcdDataDir: string | null): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  await controlPlaneChecks(env, bindPort, etcdDataDir, out);
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
