import type { Inventory, ResolvedHost } from '../inventory/types.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** What a host check returns; `fix` is empty when there is nothing to do. */
export interface CheckOutcome {
  status: CheckStatus;
  message: string;
  fix: string;
}

export interface HostCheckResult extends CheckOutcome {
  id: string;
}

export interface ClusterCheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  /** The hosts the finding is about (all checked hosts when it passes). */
  hosts: string[];
}

/** The `--json` document (issue 3, section 4). */
export interface PreflightReport {
  hosts: { name: string; address: string; checks: HostCheckResult[] }[];
  cluster: ClusterCheckResult[];
  summary: { pass: number; warn: number; fail: number };
}

export interface Listener {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
  /** Process name when the probe could tell (ss -p as root). */
  process?: string;
}

export interface Swap {
  device: string;
  type: string;
  sizeKb: number;
}

export interface Route {
  /** "default" or a CIDR. */
  dest: string;
  dev?: string;
}

export interface Link {
  name: string;
  mac: string;
  virtual: boolean;
}

export interface PackageLock {
  path: string;
  held: boolean;
  pid?: string;
  command?: string;
}

export interface MirrorProbe {
  kind: 'image' | 'deb' | 'rpm';
  url: string;
  /** HTTP status; 0 when the host got no HTTP answer; undefined when it has neither curl nor wget. */
  status: number | undefined;
  /** curl's exit code when it failed (6 DNS, 7 refused, 28 timeout, 35/60 TLS, 47 too many redirects). */
  curlExit?: number;
  /** Where the redirects ended, when that differs from url. */
  finalUrl?: string;
}

export interface ModuleFacts {
  /** Listed in /proc/modules; undefined when the kernel has no /proc/modules (no loadable modules). */
  loaded: boolean | undefined;
  /** /sys/module/NAME exists (loaded or built in). */
  sysModule: boolean;
  /** Listed in /lib/modules/$(uname -r)/modules.builtin. */
  builtin: boolean;
  /** modinfo finds it; undefined without modinfo. */
  loadable: boolean | undefined;
}

export type SelinuxMode = 'enforcing' | 'permissive' | 'disabled' | 'absent' | 'unknown';

/** Everything the facts script reports about one host, typed. */
export interface HostFacts {
  os: { id: string; idLike: string[]; versionId: string; prettyName: string };
  uid: number | undefined;
  cpus: number | undefined;
  memTotalKb: number | undefined;
  swaps: Swap[];
  /** Non-comment /etc/fstab lines whose type field is swap. */
  fstabSwapLines: string[];
  cgroupFs: string;
  hostname: string;
  epoch: number | undefined;
  kernel: string;
  binaries: Record<string, string | undefined>;
  selinux: { mode: SelinuxMode; config: string };
  firewall: {
    firewalld: { state: string; zone: string; ports: string[]; services: { name: string; ports: string[] }[] };
    ufw: string | undefined;
    iptablesInput: string | undefined;
    nftRuleset: string | undefined;
  };
  listenSource: 'ss' | 'proc';
  listeners: Listener[];
  /** Keyed by sysctl name (net.ipv4.ip_forward); value "1", "0", "absent" or "unknown". */
  sysctls: Record<string, string>;
  procModules: boolean;
  features: { bridgeSysctls: boolean; overlayFs: boolean };
  modules: Record<string, ModuleFacts>;
  locks: PackageLock[];
  routes: Route[];
  addresses: { dev: string; cidr: string }[];
  links: Link[];
  productUuid: string | undefined;
  machineId: string | undefined;
  containerd: {
    /** First line of `containerd --version`, empty when not installed. */
    versionLine: string;
    /** The version number in that line (e.g. "1.6.20~ds1"), undefined when not installed. */
    version: string | undefined;
    configPresent: boolean;
    /** The disabled_plugins line(s) of /etc/containerd/config.toml. */
    disabledPlugins: string;
    criDisabled: boolean;
    socket: boolean;
    crictl: { exitCode: number; output: string } | undefined;
    /** apt hosts: the Candidate of `apt-cache policy containerd` ("(none)": not offered, or no lists yet). */
    aptCandidate: string | undefined;
    /** apt hosts: whether any package lists exist (without them "(none)" means "not read yet"). */
    aptLists: boolean;
  };
  /** Installed versions as printed (binary first, else the package), undefined when absent. */
  kube: { kubeadm?: string; kubelet?: string; kubectl?: string };
  kubeletConf: boolean;
  adminConf: boolean;
  /** `kubeadm certs check-expiration` on a host with admin.conf and kubeadm (see certs.ts); undefined elsewhere. */
  certExpiry?: { exitCode: number; output: string };
  mirrors: MirrorProbe[];
  /**
   * For kubernetes.apiEndpoint (probed only when the inventory has one): apt's haproxy candidate
   * ("installed" when haproxy is there; undefined on non-apt hosts), whether the VIP answered a
   * ping, and the MAC the neighbour table holds for it.
   */
  endpoint?: { haproxyCandidate?: string; vipPing?: boolean; vipNeighbour?: string };
}

/** What a host check sees. */
export interface HostCheckContext {
  host: ResolvedHost;
  facts: HostFacts;
  inventory: Inventory;
}

export interface HostCheck {
  id: string;
  /** One line for docs/checks.md and --help. */
  title: string;
  run(ctx: HostCheckContext): CheckOutcome;
}

/** One host's facts plus its clock offset from the controller, for cross-host checks. */
export interface CollectedHost {
  host: ResolvedHost;
  facts: HostFacts;
  /** Host clock minus controller clock (seconds), measured at the middle of the facts round trip. */
  clockOffsetSeconds: number;
}

export interface ClusterCheck {
  id: string;
  title: string;
  run(hosts: CollectedHost[], inventory: Inventory): Omit<ClusterCheckResult, 'id'>;
}
