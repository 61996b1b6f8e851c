import { checkKernel } from '../versions/kernel.js';
import { isSupportedKubernetes } from '../versions/index.js';
import { fail, pass, skip, warn } from './outcome.js';
import type { HostCheck, HostFacts } from './types.js';

const sysctlFix = 'write the setting to /etc/sysctl.d/99-kubernetes.conf and run sysctl --system (kinstall preflight --fix does it)';

function sysctlCheck(id: string, key: string, why: string, needsBridge: boolean): HostCheck {
  return {
    id,
    title: `${key} = 1 (${why})`,
    run: ({ facts }) => {
      const value = facts.sysctls[key];
      if (value === '1') return pass(`${key} = 1`);
      if (value === 'absent' && needsBridge) {
        return fail(`${key} does not exist: br_netfilter is not loaded`, `modprobe br_netfilter, list it in /etc/modules-load.d/kubernetes.conf, then ${sysctlFix}`);
      }
      if (value === undefined || value === 'unknown' || value === 'absent') return fail(`could not read ${key}`, sysctlFix);
      return fail(`${key} = ${value}`, sysctlFix);
    },
  };
}

/** How the module's feature is present, or undefined when it is not. */
function modulePresence(facts: HostFacts, name: string): string | undefined {
  const m = facts.modules[name];
  if (!m) return undefined;
  if (m.loaded) return 'loaded';
  if (m.builtin) return 'built into the kernel (modules.builtin)';
  // Without /proc/modules the kernel cannot load modules, so /sys/module/NAME means built in.
  if (!facts.procModules && m.sysModule) return 'built into the kernel (/sys/module, no loadable modules)';
  if (name === 'br_netfilter' && facts.features.bridgeSysctls && !facts.procModules) return 'built into the kernel (/proc/sys/net/bridge exists)';
  if (name === 'overlay' && facts.features.overlayFs) return 'available (overlay is in /proc/filesystems)';
  return undefined;
}

function moduleCheck(name: string, why: string, loadsOnDemand: boolean): HostCheck {
  return {
    id: `module-${name}`,
    title: `Kernel module ${name} loaded or built in (${why})`,
    run: ({ facts }) => {
      const how = modulePresence(facts, name);
      if (how) return pass(`${name} ${how}`);
      const fix = `modprobe ${name} and list it in /etc/modules-load.d/kubernetes.conf (kinstall preflight --fix does both)`;
      const loadable = facts.modules[name]?.loadable;
      if (loadable === true && loadsOnDemand) return warn(`${name} is not loaded yet (the kernel loads it on first use)`, fix);
      if (loadable === true) return fail(`${name} is not loaded (the module is available)`, fix);
      if (loadable === false) return fail(`${name} is neither loaded, built in, nor installed for kernel ${facts.kernel}`, `install the kernel modules package for ${facts.kernel} (e.g. linux-modules-extra), then ${fix}`);
      return fail(`${name} is not loaded and not built in (modinfo is not available to tell whether it can be loaded)`, fix);
    },
  };
}

/** kubeadm's SystemVerification kernel rule for the target minor (src/versions/kernel.ts cites it). */
const kernelVersion: HostCheck = {
  id: 'kernel-version',
  title: "The kernel release passes kubeadm's SystemVerification rule for the target minor",
  run: ({ facts, inventory }) => {
    const k8s = inventory.kubernetes.version;
    if (!facts.kernel) return warn('could not read the kernel release (uname -r)', '');
    if (!isSupportedKubernetes(k8s)) return skip(`Kubernetes ${k8s} is not a supported version (validate reports it)`);
    const verdict = checkKernel(facts.kernel, k8s);
    if (verdict.status === 'ok') return pass(`kernel ${facts.kernel} fits kubeadm ${k8s}`);
    if (verdict.status === 'warn') return warn(verdict.reason, 'a newer (LTS) kernel avoids the warning; kubeadm still proceeds');
    return fail(
      `${verdict.reason}: kubeadm init/join would stop at its SystemVerification preflight`,
      'boot a newer kernel (e.g. a distribution release with kernel 5.x, such as EL9 instead of EL8), or target an older Kubernetes minor that accepts this kernel',
    );
  },
};

export const kernelChecks: HostCheck[] = [
  kernelVersion,
  sysctlCheck('sysctl-ip-forward', 'net.ipv4.ip_forward', 'pods reach other nodes through the host', false),
  sysctlCheck('sysctl-bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-iptables', 'bridged pod traffic goes through kube-proxy rules', true),
  sysctlCheck('sysctl-bridge-nf-call-ip6tables', 'net.bridge.bridge-nf-call-ip6tables', 'the same for IPv6', true),
  moduleCheck('br_netfilter', 'the bridge sysctls exist only with it', false),
  moduleCheck('overlay', "containerd's overlayfs snapshotter", true),
];
