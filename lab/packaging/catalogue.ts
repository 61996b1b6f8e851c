// What the lab's pkgs.k8s.io-style repository carries: one flat repo per Kubernetes minor, with
// the package names, versions, control fields and file layout of the upstream packages, except
// that the binaries are the Node simulators (hence Depends: nodejs).
//
// Control fields follow the upstream pkgs.k8s.io packages (kubernetes/release packaging specs):
// since the pkgs.k8s.io migration kubeadm depends only on cri-tools, kubelet on the node tools
// it shells out to plus kubernetes-cni, and the kubelet drop-in 10-kubeadm.conf ships in kubeadm.
//
// One exception is real: the v1.32 repo's kubectl 1.32.3 carries Debian 13's kubectl binary
// (source package kubernetes 1.32.3+ds-2, fetched and verified by real-kubectl.sh), repackaged
// under the pkgs.k8s.io name and version, so the 1.32 lab runs the real client (issue 12 item 5).

export interface RepoMinor {
  /** "v1.28" — the path segment of core/stable/<minor>/deb/. */
  minor: string;
  /** Kubernetes patch releases carried for kubeadm, kubelet and kubectl. */
  kubernetes: string[];
  criTools: string;
  kubernetesCni: string;
  /** Patches whose kubectl package carries the real binary (real-kubectl.sh) instead of the simulator. */
  realKubectl?: string[];
}

/** Debian revision of every package, as on pkgs.k8s.io ("1.28.15-1.1"). */
export const DEB_REVISION = '1.1';

// cri-tools and kubernetes-cni per minor as the pkgs.k8s.io repositories carry them (each minor's
// repo has its own cri-tools x.y line; kubernetes-cni 1.2/1.3/1.4/1.5/1.6 for 1.28–1.32). The
// 1.31/1.32 rows are what apt resolves from core:/stable:/v1.31 and v1.32 in recorded installs
// (kubeadm 1.31.2 with cri-tools 1.31.1-1.1 and kubernetes-cni 1.5.1-1.1; 1.32.x with cri-tools
// 1.32.0-1.1 and kubernetes-cni 1.6.0-1.1). At least
// two patches of 1.31 and 1.32, so patch and minor upgrades can be tested (issue 13); 1.32.3 is the
// version Debian 13 ships, whose kubectl is the real one.
export const REPO_MINORS: RepoMinor[] = [
  { minor: 'v1.28', kubernetes: ['1.28.14', '1.28.15'], criTools: '1.28.0', kubernetesCni: '1.2.0' },
  { minor: 'v1.29', kubernetes: ['1.29.10'], criTools: '1.29.0', kubernetesCni: '1.3.0' },
  { minor: 'v1.30', kubernetes: ['1.30.6'], criTools: '1.30.0', kubernetesCni: '1.4.0' },
  { minor: 'v1.31', kubernetes: ['1.31.1', '1.31.2'], criTools: '1.31.1', kubernetesCni: '1.5.1' },
  { minor: 'v1.32', kubernetes: ['1.32.1', '1.32.3'], criTools: '1.32.0', kubernetesCni: '1.6.0', realKubectl: ['1.32.3'] },
];

/** Debian's kubectl that real-kubectl.sh verifies (the binary of the realKubectl packages). */
export const REAL_KUBECTL_DEBIAN_VERSION = '1.32.3+ds-2';

/** Simulator bundles shipped by a package: bundle name → what the simulator reports as version. */
export type BundleName = 'kubeadm' | 'kubelet' | 'kubectl' | 'crictl' | 'kube-apiserver';

export interface FileEntry {
  /** Absolute path on the target host. */
  path: string;
  mode: number;
  source:
    | { kind: 'bundle'; bundle: BundleName }
    | { kind: 'file'; name: string }
    | { kind: 'text'; text: string }
    /** A binary given to the builder (build-debs.ts --real-kubectl), not built here. */
    | { kind: 'real-kubectl' }
    | { kind: 'symlink'; target: string }
    | { kind: 'dir' };
}

export interface DebSpec {
  name: string;
  /** Upstream version without revision ("1.28.15"). */
  upstream: string;
  /** Full Debian version ("1.28.15-1.1"). */
  version: string;
  description: string;
  depends: string[];
  files: FileEntry[];
  /** Maintainer scripts from lab/packaging/files/ (postinst, prerm, postrm). */
  scripts: Partial<Record<'postinst' | 'prerm' | 'postrm', string>>;
  /** Version the simulator bundles in this package report (`v1.28.15`). */
  reportedVersion: string;
  /** The package carries a real upstream binary (no simulator, no version.json). */
  real?: boolean;
}

/** Where the bundles live on the host; /usr/bin entries are symlinks into it. */
export const SIMULATOR_LIB = '/usr/lib/kinstall-simulator';

/** The JSON a simulator reads to know which version it is (written per package). */
export function versionFilePath(bundle: BundleName): string {
  return `${SIMULATOR_LIB}/${bundle}.version.json`;
}

function debVersion(upstream: string): string {
  return `${upstream}-${DEB_REVISION}`;
}

function bundleFiles(bundle: BundleName, binPath: string | null): FileEntry[] {
  const files: FileEntry[] = [
    { path: `${SIMULATOR_LIB}/${bundle}.js`, mode: 0o755, source: { kind: 'bundle', bundle } },
  ];
  if (binPath) {
    files.push({ path: binPath, mode: 0o777, source: { kind: 'symlink', target: `${SIMULATOR_LIB}/${bundle}.js` } });
  }
  return files;
}

// The plugins Debian's containernetworking-plugins 1.1.1 installs under /usr/lib/cni.
const CNI_PLUGINS = [
  'bandwidth', 'bridge', 'dhcp', 'firewall', 'host-device', 'host-local', 'ipvlan', 'loopback',
  'macvlan', 'portmap', 'ptp', 'sbr', 'static', 'tuning', 'vlan', 'vrf',
];

export function kubeadmSpec(k8s: string, criTools: string): DebSpec {
  return {
    name: 'kubeadm',
    upstream: k8s,
    version: debVersion(k8s),
    description: 'Command-line utility for administering a Kubernetes cluster',
    depends: [`cri-tools (>= ${criTools})`, 'nodejs (>= 18)', 'openssl'],
    files: [
      ...bundleFiles('kubeadm', '/usr/bin/kubeadm'),
      { path: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', mode: 0o644, source: { kind: 'file', name: '10-kubeadm.conf' } },
    ],
    scripts: { postinst: 'kubeadm.postinst' },
    reportedVersion: `v${k8s}`,
  };
}

export function kubeletSpec(k8s: string, cni: string): DebSpec {
  return {
    name: 'kubelet',
    upstream: k8s,
    version: debVersion(k8s),
    description: 'Node agent for Kubernetes clusters',
    depends: [
      'iptables (>= 1.4.21)', `kubernetes-cni (>= ${cni})`, 'iproute2', 'socat', 'util-linux',
      'mount', 'ethtool', 'ebtables', 'conntrack', 'nodejs (>= 18)',
      // Lab only: the kubelet simulator runs kubeadm's etcd static pod with Debian's real etcd (the
      // postinst masks the distribution's own etcd.service); etcdctl for tests and Day-2 snapshots.
      // Real kubelets depend on no etcd.
      'etcd-server', 'etcd-client',
    ],
    files: [
      ...bundleFiles('kubelet', '/usr/bin/kubelet'),
      // The control plane's static pod runs this, so it travels with the kubelet (see h5 design).
      ...bundleFiles('kube-apiserver', null),
      { path: '/usr/lib/systemd/system/kubelet.service', mode: 0o644, source: { kind: 'file', name: 'kubelet.service' } },
      { path: '/etc/kubernetes/manifests', mode: 0o755, source: { kind: 'dir' } },
      { path: '/var/lib/kubelet', mode: 0o700, source: { kind: 'dir' } },
    ],
    scripts: { postinst: 'kubelet.postinst', prerm: 'kubelet.prerm', postrm: 'kubelet.postrm' },
    reportedVersion: `v${k8s}`,
  };
}

export function kubectlSpec(k8s: string, real = false): DebSpec {
  if (real) {
    return {
      name: 'kubectl',
      upstream: k8s,
      version: debVersion(k8s),
      description: 'Command-line utility for interacting with a Kubernetes cluster',
      // Debian builds it with cgo off but as a PIE against glibc (ldd: libc.so.6 only), as its
      // own package declares; pkgs.k8s.io's static kubectl has no Depends.
      depends: ['libc6 (>= 2.34)'],
      files: [{ path: '/usr/bin/kubectl', mode: 0o755, source: { kind: 'real-kubectl' } }],
      scripts: {},
      reportedVersion: `v${k8s}`,
      real: true,
    };
  }
  return {
    name: 'kubectl',
    upstream: k8s,
    version: debVersion(k8s),
    description: 'Command-line utility for interacting with a Kubernetes cluster',
    depends: ['nodejs (>= 18)'],
    files: bundleFiles('kubectl', '/usr/bin/kubectl'),
    scripts: {},
    reportedVersion: `v${k8s}`,
  };
}

export function criToolsSpec(version: string): DebSpec {
  return {
    name: 'cri-tools',
    upstream: version,
    version: debVersion(version),
    description: 'Command-line utility for interacting with a container runtime',
    depends: ['nodejs (>= 18)'],
    files: bundleFiles('crictl', '/usr/bin/crictl'),
    scripts: {},
    reportedVersion: `v${version}`,
  };
}

/**
 * Upstream ships the CNI reference plugins in /opt/cni/bin. Debian builds the same plugins
 * (containernetworking-plugins) into /usr/lib/cni, so this package links them where kubelet and
 * flannel expect them: a real dependency with real binaries, nothing simulated.
 */
export function kubernetesCniSpec(version: string): DebSpec {
  return {
    name: 'kubernetes-cni',
    upstream: version,
    version: debVersion(version),
    description: 'Binaries required to provision kubernetes container networking',
    depends: ['containernetworking-plugins'],
    files: [
      { path: '/etc/cni/net.d', mode: 0o755, source: { kind: 'dir' } },
      ...CNI_PLUGINS.map((p): FileEntry => ({ path: `/opt/cni/bin/${p}`, mode: 0o777, source: { kind: 'symlink', target: `/usr/lib/cni/${p}` } })),
    ],
    scripts: {},
    reportedVersion: `v${version}`,
  };
}

/** Every package of one minor's repo. */
export function packagesFor(minor: RepoMinor): DebSpec[] {
  return [
    ...minor.kubernetes.flatMap((k8s) => [
      kubeadmSpec(k8s, minor.criTools), kubeletSpec(k8s, minor.kubernetesCni), kubectlSpec(k8s, minor.realKubectl?.includes(k8s) ?? false),
    ]),
    criToolsSpec(minor.criTools),
    kubernetesCniSpec(minor.kubernetesCni),
  ];
}

/** The control file dpkg-deb reads (Installed-Size is added by the builder, which knows the size). */
export function controlText(spec: DebSpec, installedSizeKiB: number): string {
  const lines = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    'Architecture: amd64',
    'Maintainer: Kubernetes Authors <dev@kubernetes.io>',
    `Installed-Size: ${installedSizeKiB}`,
    ...(spec.depends.length ? [`Depends: ${spec.depends.join(', ')}`] : []),
    'Section: admin',
    'Priority: optional',
    'Homepage: https://kubernetes.io',
    `Description: ${spec.description}`,
    ...(spec.real
      ? [
          ` kinstall lab package: the REAL kubectl of Debian 13 (kubectl ${REAL_KUBECTL_DEBIAN_VERSION}, built`,
          ' from Kubernetes\' source), repackaged by lab/packaging for the kinstall test lab.',
        ]
      : [
          ' kinstall lab simulator package: built by lab/packaging for the kinstall test lab; the',
          ' binaries are Node programs that behave like the upstream tools (kinstall lab simulator).',
        ]),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Contents of <bundle>.version.json: what `--version` and `version -o json` report. Per bundle,
 * not one shared version.json: kubeadm and kubelet may be installed at different versions (skew)
 * and two packages cannot own the same file.
 */
export function versionJson(spec: DebSpec): string {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(spec.reportedVersion);
  if (!m) throw new Error(`bad reported version ${spec.reportedVersion}`);
  // `kubernetes`/`criTools` are the fields common/version.ts reads; the rest common/sim-version.ts.
  const upstream = spec.reportedVersion.slice(1);
  return JSON.stringify({
    gitVersion: spec.reportedVersion, major: m[1], minor: m[2], packageVersion: spec.version,
    kubernetes: upstream, ...(spec.name === 'cri-tools' ? { criTools: upstream } : {}),
  }) + '\n';
}

/** File name of the .deb as dpkg-name would write it. */
export function debFileName(spec: DebSpec): string {
  return `${spec.name}_${spec.version}_amd64.deb`;
}
