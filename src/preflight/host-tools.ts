/**
 * Host tools kubeadm, the kubelet and kinstall's own steps call, and who puts them on the host.
 *
 * Why kinstall installs them: the kubelet package no longer pulls most of them in. Its spec
 * (kubernetes/release cmd/krel/templates/latest/kubelet/kubelet.spec) requires only util-linux
 * (plus mount on Debian) and merely Recommends iptables; conntrack, socat, ebtables, ethtool and
 * iproute are not dependencies. kubeadm's InPathChecks (src/versions/kubeadm-preflight.ts) then
 * fail or warn on a minimal cloud image. So prepare-host installs what the distribution offers,
 * probing with `command -v` first and installing only what is missing.
 */
export interface HostTool {
  /** The executable looked up on PATH. */
  binary: string;
  /** apt package that ships it; undefined when apt hosts do not need it. */
  deb?: string;
  /**
   * dnf package (or an absolute path dnf resolves to the package providing it, used where the
   * package name differs between EL8 and EL9: ebtables and iptables); undefined when not needed.
   */
  rpm?: string;
  /** The kinstall step that installs it, when kinstall does. */
  installedBy?: 'prepare-host' | 'kube-packages';
  /** kubeadm or kinstall need it to work (a failure when missing and nothing installs it). */
  why: string;
}

export const hostTools: HostTool[] = [
  { binary: 'conntrack', deb: 'conntrack', rpm: 'conntrack-tools', installedBy: 'prepare-host', why: 'kube-proxy below 1.32 flushes conntrack entries with it' },
  { binary: 'socat', deb: 'socat', rpm: 'socat', installedBy: 'prepare-host', why: 'kubectl port-forward' },
  { binary: 'ebtables', deb: 'ebtables', rpm: '/usr/sbin/ebtables', installedBy: 'prepare-host', why: 'bridge filtering (kubeadm warns without it)' },
  { binary: 'ethtool', deb: 'ethtool', rpm: 'ethtool', installedBy: 'prepare-host', why: 'CNI plugins tune interfaces with it (kubeadm warns without it)' },
  { binary: 'ip', deb: 'iproute2', rpm: 'iproute', installedBy: 'prepare-host', why: 'kubelet and CNI plugins configure addresses and routes' },
  { binary: 'tc', deb: 'iproute2', rpm: 'iproute-tc', installedBy: 'prepare-host', why: 'traffic shaping (bandwidth CNI plugin; kubeadm warns without it)' },
  { binary: 'iptables', deb: 'iptables', rpm: '/usr/sbin/iptables', installedBy: 'prepare-host', why: 'kube-proxy and flannel rules' },
  { binary: 'mount', deb: 'mount', rpm: 'util-linux', installedBy: 'prepare-host', why: 'kubelet volume mounts' },
  { binary: 'nsenter', deb: 'util-linux', rpm: 'util-linux', installedBy: 'prepare-host', why: 'kubelet and port-forward enter pod namespaces' },
  { binary: 'crictl', installedBy: 'kube-packages', why: 'kubeadm below 1.31 talks to the runtime through it (cri-tools)' },
  { binary: 'touch', why: 'kubeadm checks it (coreutils)' },
  // kinstall's own needs: the apt signing key is dearmored with gpg, downloads use curl or wget.
  { binary: 'gpg', deb: 'gnupg', installedBy: 'prepare-host', why: "kube-packages dearmors pkgs.k8s.io's signing key with gpg" },
  { binary: 'curl', deb: 'curl', rpm: 'curl', installedBy: 'prepare-host', why: 'downloads (signing key, binaries) and the mirror probe' },
];

/** Every binary the facts script and the prepare-host probe look up (wget: curl's stand-in). */
export const probedBinaries: string[] = [...hostTools.map((t) => t.binary), 'wget'];

export type PackageFamily = 'apt' | 'dnf';

/** The tools a family needs (gpg only matters to apt; curl is satisfied by wget too). */
export function toolsFor(family: PackageFamily): HostTool[] {
  return family === 'apt' ? hostTools : hostTools.filter((t) => t.binary !== 'gpg');
}

/** Whether a tool counts as present, given the binaries found on PATH. */
export function toolPresent(tool: HostTool, present: (binary: string) => boolean): boolean {
  if (tool.binary === 'curl') return present('curl') || present('wget');
  return present(tool.binary);
}

/** The packages prepare-host installs for the tools missing on a host (deduplicated, in table order). */
export function packagesFor(family: PackageFamily, missing: string[]): string[] {
  const out: string[] = [];
  for (const tool of toolsFor(family)) {
    if (tool.installedBy !== 'prepare-host' || !missing.includes(tool.binary)) continue;
    const pkg = family === 'apt' ? tool.deb : tool.rpm;
    if (pkg && !out.includes(pkg)) out.push(pkg);
  }
  return out;
}
