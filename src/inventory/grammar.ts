import { isIP } from 'node:net';

/**
 * The grammar of every string an inventory can hold. Each inventory value ends up in a shell
 * script, a sed-free config file, a TOML/YAML document or a path on a host, so each is held to
 * the narrowest grammar its consumer needs (as Kubernetes validates its own objects), and a value
 * outside it is refused by `validate` before anything reaches a host.
 *
 * Every check returns `undefined` when the value is fine, else a `GrammarError` whose message
 * names the value and the rule (the caller prefixes the field path) and whose hint says what to
 * write instead. Rules transcribed from upstream cite the upstream file.
 */
export interface GrammarError {
  message: string;
  hint?: string;
}
export type Grammar = (value: string) => GrammarError | undefined;

/** The value as it appears in a message: quoted, control characters escaped, long values cut. */
export function show(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(cut);
}

const fail = (message: string, hint?: string): GrammarError => (hint === undefined ? { message } : { message, hint });

// --- Kubernetes object names (k8s.io/apimachinery/pkg/util/validation/validation.go) -----------

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123LabelFmt}(\\.${dns1123LabelFmt})*$`);
/** DNS1123LabelMaxLength in validation.go. */
export const DNS1123_LABEL_MAX = 63;
/** DNS1123SubdomainMaxLength in validation.go. */
export const DNS1123_SUBDOMAIN_MAX = 253;

/** apimachinery IsDNS1123Label: lowercase letters, digits and inner '-', at most 63 characters. */
export const dns1123Label: Grammar = (value) => {
  if (value.length > DNS1123_LABEL_MAX) return fail(`${show(value)} is longer than ${DNS1123_LABEL_MAX} characters (a DNS-1123 label)`);
  if (!dns1123LabelRe.test(value)) {
    return fail(`${show(value)} is not a DNS-1123 label`, lowercaseHint(value, dns1123LabelRe) ?? 'lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-cluster');
  }
  return undefined;
};

/** apimachinery IsDNS1123Subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
export const dns1123Subdomain: Grammar = (value) => {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return fail(`${show(value)} is longer than ${DNS1123_SUBDOMAIN_MAX} characters (a DNS-1123 subdomain)`);
  if (!dns1123SubdomainRe.test(value)) {
    return fail(`${show(value)} is not a DNS-1123 subdomain`, lowercaseHint(value, dns1123SubdomainRe) ?? 'lowercase letters, digits, "-" and ".", e.g. cluster.local');
  }
  return undefined;
};

/** "write x" when the lowercase form of the value would pass. */
function lowercaseHint(value: string, re: RegExp): string | undefined {
  const lower = value.toLowerCase();
  return lower !== value && re.test(lower) ? `Kubernetes names are lowercase: write ${lower}` : undefined;
}

const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** qualifiedNameMaxLength and LabelValueMaxLength in validation.go. */
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

/**
 * apimachinery IsQualifiedName (label and taint keys): `[prefix/]name`, the prefix a DNS-1123
 * subdomain, the name at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
 */
export const qualifiedName: Grammar = (value) => {
  const parts = value.split('/');
  if (parts.length > 2) return fail(`${show(value)} is not a qualified name: at most one "/"`, 'a key is [prefix/]name, e.g. example.com/disk');
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return fail(`${show(value)} is not a qualified name: the prefix before "/" is empty`, 'a key is [prefix/]name, e.g. example.com/disk');
    if (dns1123Subdomain(prefix)) {
      return fail(`${show(value)} is not a qualified name: its prefix ${show(prefix)} is not a DNS-1123 subdomain`, 'the prefix is a lowercase DNS subdomain, e.g. example.com/disk');
    }
  }
  if (name.length === 0) return fail(`${show(value)} is not a qualified name: the name part is empty`, 'a key is [prefix/]name, e.g. example.com/disk');
  if (name.length > QUALIFIED_NAME_MAX) return fail(`${show(value)} is not a qualified name: the name part is longer than ${QUALIFIED_NAME_MAX} characters`);
  if (!qualifiedNameRe.test(name)) {
    return fail(`${show(value)} is not a qualified name`, 'the name part is letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
  }
  return undefined;
};

/** apimachinery IsValidLabelValue: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric. */
export const labelValue: Grammar = (value) => {
  if (value.length > LABEL_VALUE_MAX) return fail(`${show(value)} is longer than ${LABEL_VALUE_MAX} characters (a label value)`);
  if (!labelValueRe.test(value)) {
    return fail(`${show(value)} is not a valid label value`, 'letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)');
  }
  return undefined;
};

/**
 * Node labels kubelet may set on its own Node (kubernetes/kubernetes
 * pkg/kubelet/apis/well_known_labels.go KubeletLabels / KubeletLabelNamespaces). kubelet refuses
 * every other label in the kubernetes.io and k8s.io namespaces given to --node-labels
 * (cmd/kubelet/app/options/options.go ValidateKubeletFlags), and the NodeRestriction admission
 * plugin refuses them when a kubelet registers; kinstall refuses them before any host is touched.
 */
const kubeletLabels = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
];
const kubeletLabelNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/** A label key kubelet would refuse in --node-labels (kubernetes.io / k8s.io namespaces outside kubelet's allowed set). */
export const kubeletNodeLabel: Grammar = (key) => {
  const namespace = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
  const isKubernetesNamespace = ['kubernetes.io', 'k8s.io'].some((ns) => namespace === ns || namespace.endsWith(`.${ns}`));
  if (!isKubernetesNamespace || kubeletLabels.includes(key)) return undefined;
  if (kubeletLabelNamespaces.some((ns) => namespace === ns || namespace.endsWith(`.${ns}`))) return undefined;
  return fail(
    `label ${show(key)} is in the kubernetes.io/k8s.io namespace, which kubelet refuses to set on its own node (--node-labels)`,
    `use your own prefix (e.g. example.com/${key.slice(key.indexOf('/') + 1)}), a node.kubernetes.io/ or kubelet.kubernetes.io/ key, or one of ${kubeletLabels.join(', ')}`,
  );
};

/**
 * A label key the inventory may ask for. Labels kubelet refuses in --node-labels (kubeletNodeLabel)
 * are still fine: `up` sets those with kubectl after the node registers (src/steps/node-metadata.ts).
 * Refused: the labels kubelet itself writes on every start from the machine (kubernetes/kubernetes
 * pkg/kubelet/kubelet_node_status.go initialNode: hostname, os, arch and their beta forms), which
 * kubelet would put back.
 */
const kubeletOwnedLabels = ['kubernetes.io/hostname', 'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch'];
export const inventoryNodeLabel: Grammar = (key) =>
  kubeletOwnedLabels.includes(key)
    ? fail(`label ${show(key)} is set by kubelet itself from the machine and would be overwritten`, 'leave it out of hosts[].labels')
    : undefined;

/** Taint effects (k8s.io/api/core/v1 TaintEffect; pkg/apis/core/validation validateTaintEffect). */
export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

// --- Hosts, addresses and endpoints ----------------------------------------------------------

/** RFC 1123 host name, any case: dot-separated labels of at most 63 characters, 253 in all. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(label));
}

export const IPV6_REFUSED = 'IPv6/dual-stack is not implemented yet';
export const IPV6_HINT = 'use an IPv4 address or a DNS name; kinstall configures IPv4 clusters only (no IPv6 forwarding, no flannel IPv6 network)';

/** A machine address used for SSH (hosts[].address, ssh.bastion.address): IPv4 or a DNS name in any case. */
export const sshAddress: Grammar = (value) => {
  const family = isIP(value);
  if (family === 4) return undefined;
  if (family === 6 || value.includes(':')) return fail(`${show(value)}: ${IPV6_REFUSED}`, IPV6_HINT);
  if (/^[\d.]+$/.test(value)) return fail(`${show(value)} is not a valid IPv4 address`);
  if (isDnsName(value)) return undefined;
  return fail(`${show(value)} is neither an IPv4 address nor a valid DNS name`, 'letters, digits, "-" and "." (RFC 1123), e.g. node1.example.com');
};

/** A TCP port written in decimal, 1-65535. */
function portError(text: string): string | undefined {
  if (!/^\d{1,5}$/.test(text)) return `port ${show(text)} is not a number`;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? undefined : `port ${text} is not 1-65535`;
}

/**
 * kubernetes.controlPlaneEndpoint: `host[:port]`, the host a lowercase DNS name or an IPv4
 * address (kubeadm puts it in the API server certificate's SANs, which must be lowercase
 * DNS-1123 names or IPs: cmd/kubeadm/app/apis/kubeadm/validation ValidateCertSANs).
 */
export const hostPort: Grammar = (value) => {
  if (value.startsWith('[') || (value.match(/:/g) ?? []).length > 1) return fail(`${show(value)}: ${IPV6_REFUSED}`, IPV6_HINT);
  const [host, port] = value.split(':') as [string, string | undefined];
  if (port !== undefined) {
    const bad = portError(port);
    if (bad) return fail(`${show(value)} is not host[:port]: ${bad}`, 'e.g. lb.example.com:6443');
  }
  if (isIP(host) === 4) return undefined;
  if (/^[\d.]+$/.test(host)) return fail(`${show(value)} is not host[:port]: ${show(host)} is not a valid IPv4 address`);
  // Any case, as for host addresses: DNS is case-insensitive, and the kubeadm config renderer
  // lowercases it for the certificate (src/kube/kubeadm.ts certSAN).
  if (isDnsName(host)) return undefined;
  return fail(`${show(value)} is not host[:port] with a DNS name or an IPv4 address`, 'e.g. lb.example.com:6443 or 192.168.1.100:6443');
};

/**
 * An IPv4 address a machine can hold (the kube-vip virtual IP): dotted quad, not 0.0.0.0/8,
 * loopback, link-local, multicast or broadcast (kube-vip announces it with ARP on a real segment).
 */
export const unicastIPv4: Grammar = (value) => {
  if (isIP(value) === 6 || value.includes(':')) return fail(`${show(value)}: ${IPV6_REFUSED}`, IPV6_HINT);
  if (isIP(value) !== 4) return fail(`${show(value)} is not an IPv4 address`, 'e.g. 192.168.1.100 (a free address in the control planes\' subnet)');
  const [a, b] = value.split('.').map(Number) as [number, number];
  if (a === 0 || a === 127 || a >= 224 || (a === 169 && b === 254)) {
    return fail(`${show(value)} is not a unicast address a host can hold (0/8, 127/8, 169.254/16, multicast and 240/4 are refused)`, 'a free address in the control planes\' subnet, e.g. 192.168.1.100');
  }
  return undefined;
};

/**
 * A Linux network interface name (net/core/dev.c dev_valid_name): 1-15 bytes (IFNAMSIZ 16 with
 * the NUL), not "." or "..", no "/", ":" or whitespace. Narrowed further to the characters
 * interface names use in practice ([A-Za-z0-9_.@-]) so it is a plain word in every config.
 */
export const interfaceName: Grammar = (value) => {
  if (value.length === 0 || value.length > 15) return fail(`interface name ${show(value)} must be 1-15 characters (Linux IFNAMSIZ)`);
  if (value === '.' || value === '..' || !/^[A-Za-z0-9_.@-]+$/.test(value)) {
    return fail(`${show(value)} is not a network interface name`, 'the name `ip -br link` shows on the control planes, e.g. eth0 or enp1s0');
  }
  return undefined;
};

/**
 * A local TCP port for the node-local API balancer. Refused: the ports kubeadm's preflight wants
 * free on a control plane or node (cmd/kubeadm/app/preflight/checks.go: 6443 the API server's
 * bindPort, 10250 kubelet, 10257/10259 controller-manager/scheduler, 2379/2380 etcd), and the
 * kubelet's and kube-proxy's local ports 10248/10249/10256: the balancer listens on EVERY node.
 */
export const reservedKubernetesPorts = [2379, 2380, 6443, 10248, 10249, 10250, 10256, 10257, 10259] as const;

// --- Registries and images (github.com/distribution/reference regexp.go) ----------------------

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const registryHostRe = new RegExp(`^${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?$`);
const pathComponentRe = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** NameTotalLengthMax in distribution/reference. */
const IMAGE_NAME_MAX = 255;

function registryHostError(host: string): string | undefined {
  if (host.startsWith('[')) return IPV6_REFUSED;
  if (!registryHostRe.test(host)) return 'not a registry host[:port]';
  const port = host.includes(':') ? host.slice(host.indexOf(':') + 1) : undefined;
  return port === undefined ? undefined : portError(port);
}

/**
 * containerd.registryMirrors keys: the registry host name (`docker.io`, `registry.k8s.io`,
 * `host:5000`) or containerd's `_default`. Each key names a directory under
 * /etc/containerd/certs.d (containerd docs/hosts.md), so it can never be a path.
 */
export const registryKey: Grammar = (value) => {
  if (value === '_default') return undefined;
  if (value.includes('/') || value.includes('\\')) return fail(`registry ${show(value)} contains a path separator`, 'a mirror key is a registry host name such as docker.io, registry.k8s.io or myregistry:5000 (or _default)');
  const bad = registryHostError(value);
  if (bad) return fail(`registry ${show(value)}: ${bad}`, 'a mirror key is a registry host name such as docker.io, registry.k8s.io or myregistry:5000 (or _default)');
  if (value !== value.toLowerCase()) return fail(`registry ${show(value)} must be lowercase (containerd looks the directory up by the lowercase host)`, `write ${value.toLowerCase()}`);
  return undefined;
};

/**
 * kubernetes.imageRepository: `registry-host[:port][/path]` in the docker reference grammar
 * (domain, then lowercase path components); kubeadm appends `/kube-apiserver:v1.x.y` to it. The
 * first component must be a registry host (it contains "." or ":" or is localhost), as
 * distribution/reference normalize.go decides, because preflight and the mirror check probe it.
 */
export const imageRepository: Grammar = (raw) => {
  const value = raw.replace(/\/+$/, '');
  const hint = 'a registry host and optional path, e.g. registry.k8s.io or registry.example.com:5000/k8s';
  if (/^[a-z]+:\/\//i.test(value)) return fail(`${show(raw)} must not have a scheme`, `write ${value.replace(/^[a-z]+:\/\//i, '')}`);
  if (value.length > IMAGE_NAME_MAX) return fail(`${show(raw)} is longer than ${IMAGE_NAME_MAX} characters`);
  const [host, ...path] = value.split('/') as [string, ...string[]];
  if (!(host.includes('.') || host.includes(':') || host === 'localhost')) {
    return fail(`${show(raw)} does not start with a registry host`, `a Docker Hub path is written with its registry: docker.io/${value}`);
  }
  const bad = registryHostError(host);
  if (bad) return fail(`${show(raw)}: registry ${show(host)} is ${bad}`, hint);
  for (const component of path) {
    if (!pathComponentRe.test(component)) {
      const lower = component.toLowerCase();
      return fail(
        `${show(raw)}: path component ${show(component)} is not a valid repository name`,
        lower !== component && pathComponentRe.test(lower) ? `repository paths are lowercase: write ${value.toLowerCase().replace(host.toLowerCase(), host)}` : 'lowercase letters and digits separated by ".", "_", "__" or "-"',
      );
    }
  }
  return undefined;
};

/**
 * A full image reference with a tag or digest (kubernetes.apiEndpoint.kubeVip.image):
 * `<imageRepository grammar>:<tag>` and/or `@sha256:<64 hex>`; distribution/reference regexp.go
 * tag = [\w][\w.-]{0,127}. A tag or digest is required: a floating image would change the
 * static pod under the cluster.
 */
export const imageReference: Grammar = (value) => {
  const hint = 'e.g. ghcr.io/kube-vip/kube-vip:v0.8.9 (a registry, a path and a tag or @sha256: digest)';
  let rest = value;
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (!/^sha256:[0-9a-f]{64}$/.test(rest.slice(at + 1))) return fail(`${show(value)}: the digest is not sha256:<64 lowercase hex digits>`, hint);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    if (!/^[\w][\w.-]{0,127}$/.test(rest.slice(colon + 1))) return fail(`${show(value)}: the tag ${show(rest.slice(colon + 1))} is not a valid tag`, hint);
    rest = rest.slice(0, colon);
  } else if (at < 0) {
    return fail(`${show(value)} has no tag or digest`, hint);
  }
  const bad = imageRepository(rest);
  return bad ? fail(`${show(value)}: ${bad.message}`, bad.hint ?? hint) : undefined;
};

// --- URLs ------------------------------------------------------------------------------------

/**
 * Characters RFC 3986 allows in a URI (unreserved, reserved and '%'), minus the single quote:
 * whitespace, control characters, quotes, backslash, backtick, `<>^{|}` never reach a config
 * file or a shell even quoted.
 */
const urlCharsRe = /^[A-Za-z0-9\-._~:/?#[\]@!$&()*+,;=%]*$/;
const URL_MAX = 2048;

function urlError(value: string, shown: string): GrammarError | undefined {
  if (value.length > URL_MAX) return fail(`${shown} is longer than ${URL_MAX} characters`);
  if (!urlCharsRe.test(value)) {
    const bad = [...value].find((c) => !urlCharsRe.test(c))!;
    return fail(`${shown} contains ${JSON.stringify(bad)}, which a URL cannot hold`, 'percent-encode it (e.g. %20 for a space); quotes, backslashes and control characters are refused');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${shown} is not a URL`, 'e.g. https://mirror.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`${shown} is not an http(s) URL`, 'e.g. https://mirror.example.com');
  if (!/^[a-z]+:\/\/[^/?#]/i.test(value)) return fail(`${shown} has no host`, 'e.g. https://mirror.example.com');
  if (url.username !== '' || url.password !== '') {
    return fail(`${shown} contains credentials`, 'a URL is printed in logs and written to hosts; use a mirror that needs no credentials in the URL');
  }
  if (url.hostname.startsWith('[')) return fail(`${shown}: ${IPV6_REFUSED}`, IPV6_HINT);
  return undefined;
}

/** An http(s) URL without whitespace, control characters, quotes or credentials (packageRepository, mirror URLs). */
export const httpUrl: Grammar = (value) => urlError(value, show(value));

/** The placeholders containerd.binaryUrl may use. */
export const binaryUrlPlaceholders = ['{version}', '{arch}'] as const;

/** containerd.binaryUrl: an http(s) URL template whose only placeholders are {version} and {arch}. */
export const binaryUrlTemplate: Grammar = (value) => {
  const unknown = value.replaceAll('{version}', '').replaceAll('{arch}', '').match(/\{[^}]*\}?|\}/);
  if (unknown) return fail(`${show(value)} has an unknown placeholder ${show(unknown[0])}`, 'only {version} and {arch} are substituted');
  return urlError(value.replaceAll('{version}', '1.7.24').replaceAll('{arch}', 'amd64'), show(value));
};

// --- Versions --------------------------------------------------------------------------------

const packageVersionRe = /^[0-9][A-Za-z0-9.+~:_-]*$/;
const PACKAGE_VERSION_MAX = 128;

/**
 * containerd.version: an upstream version (1.7.24, 2.0.1) or a distribution package version
 * (Debian `1.6.20~ds1-1+deb12u2`, epoch `1:1.7.24-1`, RPM `1.7.24-1.el9`): Debian policy
 * 5.6.12 allows [A-Za-z0-9.+~:-] in a version, RPM adds '_'; it starts with a digit.
 */
export const packageVersion: Grammar = (value) => {
  if (value.length > PACKAGE_VERSION_MAX) return fail(`${show(value)} is longer than ${PACKAGE_VERSION_MAX} characters`);
  if (!packageVersionRe.test(value)) {
    return fail(`${show(value)} is not a version`, `an upstream version such as 1.7.24 or a package version such as 1.6.20~ds1-1+deb12u2 or 1.7.24-1.el9${/^v\d/.test(value) ? ` (write ${value.slice(1)} without the v)` : ''}`);
  }
  return undefined;
};

/** The architectures kinstall installs on (Go / Debian names, as in the containerd release tarballs). */
export const architectures = ['amd64', 'arm64', 'ppc64le', 's390x'] as const;
export type Architecture = (typeof architectures)[number];

export const sha256Hex: Grammar = (value) =>
  /^[0-9a-f]{64}$/.test(value) ? undefined : fail(`${show(value)} is not a SHA-256 (64 lowercase hex digits)`, /^[0-9A-F]{64}$/i.test(value) ? `write ${value.toLowerCase()}` : 'sha256sum prints it');

// --- SSH and local files ---------------------------------------------------------------------

/**
 * ssh.user: a portable login name as shadow-utils accepts it (lib/chkname.c is_valid_user_name):
 * letters, digits, '_', '.', '-', starting with a letter or '_' (so never '-', '.' or '..'), at
 * most 32 characters (the utmp ut_user size). The trailing '$' of Samba machine accounts is refused.
 */
export const posixUserName: Grammar = (value) => {
  if (value.length > 32) return fail(`user ${show(value)} is longer than 32 characters`);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) return fail(`${show(value)} is not a valid user name`, 'letters, digits, "_", "." and "-", starting with a letter or "_"');
  return undefined;
};

/** Name of an environment variable (POSIX.1-2017 Base Definitions 8.1 portable names). */
export const envVarName: Grammar = (value) => {
  if (value.length > 255) return fail(`environment variable name ${show(value)} is longer than 255 characters`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    return fail(`${show(value)} is not an environment variable name`, 'the NAME of the variable holding the secret (letters, digits, "_"), e.g. KINSTALL_PASSWORD, never the secret itself');
  }
  return undefined;
};

/** A local file path: no control characters (NUL, newline...), at most PATH_MAX (4096). */
export const localPath: Grammar = (value) => {
  if (value.length > 4096) return fail(`path ${show(value)} is longer than 4096 characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail(`path ${show(value)} contains a control character`);
  return undefined;
};

/** preflight.ignore entries: a check id's shape (kinstall's ids: lowercase words joined by '-', e.g. module-br_netfilter). */
export const checkId: Grammar = (value) =>
  /^[a-z0-9][a-z0-9_.-]{0,62}$/.test(value) ? undefined : fail(`${show(value)} is not a check id`, 'kinstall preflight --help lists the check ids');

/** Linux HOST_NAME_MAX: `hostnamectl set-hostname` refuses longer names, though Kubernetes allows 253. */
export const HOSTNAME_MAX = 64;
