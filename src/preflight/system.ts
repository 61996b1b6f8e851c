import { isSupportedKubernetes, kubernetesMinor } from '../versions/index.js';
import semver from 'semver';
import { kubeadmInPathFor } from '../versions/kubeadm-preflight.js';
import { hostTools, packagesFor, toolPresent, toolsFor, type HostTool, type PackageFamily } from './host-tools.js';
import { pkgLockTimeoutSeconds } from './locks.js';
import { installCommand, osFamily, osName } from './os.js';
import { fail, gib, pass, skip, warn } from './outcome.js';
import type { HostCheck, HostFacts } from './types.js';

/** Distributions and major versions kinstall's package steps are written and tested for. */
export const supportedOs: Record<string, string[]> = {
  debian: ['11', '12', '13'],
  ubuntu: ['20.04', '22.04', '24.04'],
  rhel: ['8', '9'],
  rocky: ['8', '9'],
  almalinux: ['8', '9'],
  centos: ['9'],
  ol: ['8', '9'],
};

function osVersionKey(facts: HostFacts): string {
  // Ubuntu releases are identified by YY.MM; the RHEL family by its major version.
  return facts.os.id === 'ubuntu' ? facts.os.versionId : (facts.os.versionId.split('.')[0] ?? '');
}

const osSupported: HostCheck = {
  id: 'os-supported',
  title: 'The distribution and release are ones kinstall installs on',
  run: ({ facts }) => {
    const name = osName(facts);
    const versions = supportedOs[facts.os.id];
    const list = Object.entries(supportedOs).map(([id, v]) => `${id} ${v.join('/')}`).join(', ');
    if (versions?.includes(osVersionKey(facts))) return pass(name);
    if (osFamily(facts) !== 'unknown') {
      return warn(`${name} is not a tested release (tested: ${list}); kinstall will treat it as ${osFamily(facts)}-like`, 'use a tested release, or add os-supported to preflight.ignore if you accept the risk');
    }
    return fail(`${name} (ID=${facts.os.id || 'missing'}) is not supported: kinstall needs an apt- or dnf-based distribution`, `use one of: ${list}`);
  },
};

const privileges: HostCheck = {
  id: 'privileges',
  title: 'Commands run as root (directly or through sudo)',
  run: ({ facts, host }) => {
    if (facts.uid === 0) return pass(host.ssh.user === 'root' ? 'logged in as root' : `sudo works for ${host.ssh.user}`);
    return fail(`the facts script ran as uid ${facts.uid ?? 'unknown'}, not root`, `log in as root, or give ${host.ssh.user} sudo rights (NOPASSWD, or set ssh.sudoPasswordEnv)`);
  },
};

const cpu: HostCheck = {
  id: 'cpu',
  title: 'At least 2 CPUs on control-plane hosts (kubeadm requirement)',
  run: ({ facts, host }) => {
    if (facts.cpus === undefined) return warn('could not read the CPU count', '');
    if (!host.isControlPlane) return pass(`${facts.cpus} CPU(s) (workers have no minimum)`);
    if (facts.cpus >= 2) return pass(`${facts.cpus} CPUs`);
    return fail(`${facts.cpus} CPU: a control-plane host needs at least 2`, 'give the machine at least 2 CPUs');
  },
};

const memory: HostCheck = {
  id: 'memory',
  title: 'At least 1700 MB of RAM on control-plane hosts (kubeadm); below 1024 MB on a worker warns',
  run: ({ facts, host }) => {
    if (facts.memTotalKb === undefined) return warn('could not read MemTotal from /proc/meminfo', '');
    const mb = Math.floor(facts.memTotalKb / 1024);
    const need = host.isControlPlane ? 1700 : 1024;
    const role = host.isControlPlane ? 'a control-plane host' : 'a worker';
    if (mb >= need) return pass(`${mb} MB`);
    // kubeadm's MemCheck (cmd/kubeadm/app/preflight/checks.go, RunInitNodeChecks) runs on control
    // planes only, with 1700 MB; joining workers have no memory check, so below 1024 MB is advice.
    if (!host.isControlPlane) return warn(`${mb} MB of RAM: a worker with less than ${need} MB has little room for pods (kubeadm does not check workers)`, `give the machine at least ${need} MB of RAM`);
    return fail(`${mb} MB of RAM: ${role} needs at least ${need} MB (kubeadm's Mem check)`, `give the machine at least ${need} MB of RAM`);
  },
};

const swap: HostCheck = {
  id: 'swap',
  title: 'Swap is off and not re-enabled at boot (the kubelet refuses to start with swap by default)',
  run: ({ facts }) => {
    const fix = 'swapoff -a, and comment the swap lines in /etc/fstab (kinstall preflight --fix does both, with a backup of /etc/fstab)';
    if (facts.swaps.length > 0) {
      return fail(`swap is on: ${facts.swaps.map((s) => `${s.device} ${gib(s.sizeKb)}`).join(', ')}`, fix);
    }
    if (facts.fstabSwapLines.length > 0) {
      return fail(`swap is off but /etc/fstab turns it on at boot: ${facts.fstabSwapLines.map((l) => l.split(/\s+/)[0]).join(', ')}`, fix);
    }
    return pass('swap is off');
  },
};

const selinux: HostCheck = {
  id: 'selinux',
  title: 'SELinux is not enforcing (kubeadm expects permissive)',
  run: ({ facts }) => {
    const fix = 'setenforce 0 and SELINUX=permissive in /etc/selinux/config (kinstall preflight --fix does both)';
    const { mode, config } = facts.selinux;
    if (mode === 'enforcing') return fail('SELinux is enforcing', fix);
    if (config === 'enforcing') return warn(`SELinux is ${mode} now but /etc/selinux/config makes it enforcing at boot`, fix);
    if (mode === 'absent') return pass('SELinux is not present');
    if (mode === 'unknown') return warn('could not read the SELinux mode', '');
    return pass(`SELinux is ${mode}`);
  },
};

const cgroups: HostCheck = {
  id: 'cgroups',
  title: 'cgroup v2 (v1 is unsupported from Kubernetes 1.35 and deprecated before)',
  run: ({ facts, inventory }) => {
    const k8s = inventory.kubernetes.version;
    const fix = 'boot with the unified hierarchy: add systemd.unified_cgroup_hierarchy=1 to the kernel command line (or use a distribution release that defaults to cgroup v2) and reboot';
    if (facts.cgroupFs === 'cgroup2fs') return pass('cgroup v2');
    if (facts.cgroupFs === 'tmpfs') {
      const v = semver.coerce(k8s);
      if (isSupportedKubernetes(k8s) && v && semver.gte(v, '1.35.0')) {
        return fail(`cgroup v1: Kubernetes ${kubernetesMinor(k8s)} refuses to run on cgroup v1`, fix);
      }
      return warn(`cgroup v1: works with Kubernetes ${kubernetesMinor(k8s) ?? k8s} but is deprecated, and 1.35 drops it`, fix);
    }
    return warn(`unrecognised /sys/fs/cgroup filesystem "${facts.cgroupFs}"`, '');
  },
};

/**
 * kubeadm's InPathChecks for the target minor (src/versions/kubeadm-preflight.ts) plus kinstall's
 * own tools (host-tools.ts). A missing tool that `kinstall up` installs is a warning saying so;
 * only what up cannot install and kubeadm (or kinstall) requires fails.
 */
const binaries: HostCheck = {
  id: 'required-binaries',
  title: "Tools kubeadm's InPathChecks (per minor) and kinstall need; missing ones kinstall up installs only warn",
  run: ({ facts, inventory }) => {
    const k8s = inventory.kubernetes.version;
    if (!isSupportedKubernetes(k8s)) return skip(`Kubernetes ${k8s} is not a supported version (validate reports it)`);
    const inPath = kubeadmInPathFor(k8s);
    const family = osFamily(facts);
    const pkgFamily: PackageFamily | undefined = family === 'rhel' ? 'dnf' : family === 'debian' ? 'apt' : undefined;
    const present = (b: string) => Boolean(facts.binaries[b]);
    // The Kubernetes packages (cri-tools) are expected absent before up: version-skew covers them.
    const missing = (pkgFamily ? toolsFor(pkgFamily) : hostTools).filter((t) => t.installedBy !== 'kube-packages' && !toolPresent(t, present));
    const needed = (t: HostTool) => inPath.mandatory.includes(t.binary) || t.binary === 'gpg' || t.binary === 'curl';
    if (missing.length === 0) return pass(`present: ${[...inPath.mandatory, ...inPath.optional].filter((b) => b !== 'crictl').join(', ')} (kubeadm ${kubernetesMinor(k8s)})`);
    const byUp = pkgFamily ? missing.filter((t) => t.installedBy === 'prepare-host') : [];
    const rest = missing.filter((t) => !byUp.includes(t));
    const blocking = rest.filter(needed);
    const parts: string[] = [];
    if (byUp.length) parts.push(`missing ${byUp.map((t) => t.binary).join(', ')}: installed by kinstall up (prepare-host installs ${packagesFor(pkgFamily!, byUp.map((t) => t.binary)).join(' ')})`);
    const warnOnly = rest.filter((t) => !needed(t));
    if (warnOnly.length) parts.push(`missing ${warnOnly.map((t) => t.binary).join(', ')}: kubeadm ${kubernetesMinor(k8s)} only warns`);
    if (blocking.length) parts.push(`missing ${blocking.map((t) => `${t.binary} (${t.why})`).join(', ')}: required, and kinstall cannot install it on ${osName(facts)}`);
    const deb = packagesFor('apt', missing.map((t) => t.binary));
    const rpm = packagesFor('dnf', missing.map((t) => t.binary));
    const fix = family === 'unknown' ? `install ${missing.map((t) => t.binary).join(', ')} with the host's package manager` : `${installCommand(facts, deb, rpm)} (kinstall up and kinstall preflight --fix do it)`;
    return blocking.length ? fail(parts.join('; '), fix) : warn(parts.join('; '), fix);
  },
};

/** RFC 1123 subdomain, as Kubernetes requires for node names. */
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/** The node name the host will register with: the inventory name when kinstall sets the hostname. */
export function effectiveNodeName(host: { name: string; setHostname: boolean }, facts: HostFacts): string {
  return host.setHostname ? host.name : facts.hostname;
}

const hostnameDns: HostCheck = {
  id: 'hostname-dns1123',
  title: 'The node name is a lowercase RFC 1123 DNS name',
  run: ({ facts, host }) => {
    const name = effectiveNodeName(host, facts);
    const source = host.setHostname ? 'inventory name (kinstall sets it as the hostname)' : 'hostname (setHostname: false)';
    if (isDns1123Subdomain(name)) return pass(`${source} "${name}" is valid`);
    return fail(
      `${source} "${name}" is not a lowercase RFC 1123 name (a-z, 0-9, '-', '.', starting and ending alphanumeric)`,
      host.setHostname ? 'rename the host in the inventory' : `hostnamectl set-hostname ${name.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}, or drop setHostname: false`,
    );
  },
};

const packageLock: HostCheck = {
  id: 'package-lock',
  title: 'No other process holds the dpkg/apt/rpm/dnf locks (a held lock warns: kinstall up waits for it)',
  run: ({ facts }) => {
    const held = facts.locks.filter((l) => l.held);
    if (facts.locks.length === 0) return skip('no dpkg or rpm lock file found');
    if (held.length === 0) return pass('package manager locks are free');
    const who = held.map((l) => `${l.path} held by pid ${l.pid ?? '?'} (${l.command ?? '?'})`).join('; ');
    // Every package step of up waits for the locks first (templates/partials/pkg-lock-wait.sh.hbs),
    // so a held lock (often unattended-upgrades right after boot) only delays it.
    const first = held[0]!;
    return warn(
      `${who}: kinstall up will wait up to ${pkgLockTimeoutSeconds} s for pid ${first.pid ?? '?'} (${first.command ?? '?'}) before each package step`,
      'nothing to do unless it runs longer than that: then wait for that package manager run to finish (often unattended-upgrades or dnf-automatic), or stop it',
    );
  },
};

export const systemChecks: HostCheck[] = [osSupported, privileges, cpu, memory, swap, selinux, cgroups, binaries, hostnameDns, packageLock];
