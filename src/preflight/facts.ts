import { render } from '../render.js';
import type { Inventory } from '../inventory/types.js';
import { kubernetesMinor } from '../versions/index.js';
import { probedBinaries } from './host-tools.js';
import { packageLockFiles } from './locks.js';
import type { HostFacts, Link, Listener, MirrorProbe, ModuleFacts, PackageLock, Route, SelinuxMode, Swap } from './types.js';

/** Binaries looked up on PATH: kubeadm's InPathChecks plus kinstall's own needs (host-tools.ts). */
export const requiredBinaries: readonly string[] = probedBinaries;
export const kernelModules = ['br_netfilter', 'overlay'] as const;
export { packageLockFiles } from './locks.js';

export interface MirrorTarget {
  kind: MirrorProbe['kind'];
  url: string;
}

/** The registry host of an image repository: "registry.k8s.io/sub" → "registry.k8s.io". */
function registryHost(imageRepository: string): string {
  return imageRepository.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? imageRepository;
}

/**
 * URLs every host must reach: the image registry's /v2/ (http when the inventory's registry
 * mirrors reach that registry over http), each registry mirror's /v2/, and the package
 * repository's index for the target minor in both package formats (the script probes the one
 * its package manager uses).
 */
export function mirrorTargets(inventory: Inventory): MirrorTarget[] {
  const mirrors = inventory.containerd.registryMirrors;
  const mirrorUrls = Object.values(mirrors).flat();
  const registry = registryHost(inventory.kubernetes.imageRepository);
  const plainHttp =
    (mirrors[registry] ?? []).some((u) => u.startsWith('http://')) ||
    mirrorUrls.some((u) => u.startsWith('http://') && new URL(u).host === registry);
  const targets: MirrorTarget[] = [{ kind: 'image', url: `${plainHttp ? 'http' : 'https'}://${registry}/v2/` }];
  for (const url of mirrorUrls) targets.push({ kind: 'image', url: `${url.replace(/\/+$/, '')}/v2/` });
  const minor = kubernetesMinor(inventory.kubernetes.version) ?? inventory.kubernetes.version;
  const repo = inventory.kubernetes.packageRepository.replace(/\/+$/, '');
  targets.push({ kind: 'deb', url: `${repo}/v${minor}/deb/Release` });
  targets.push({ kind: 'rpm', url: `${repo}/v${minor}/rpm/repodata/repomd.xml` });
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(t.url) && seen.add(t.url));
}

/** The facts script for this inventory (the same for every host: it carries no host data). */
export function renderFactsScript(inventory: Inventory): string {
  return render('preflight/facts.sh.hbs', {
    binaries: requiredBinaries,
    modules: kernelModules,
    lockFiles: packageLockFiles.filter((f) => !f.includes('*')),
    // Globs stay unquoted so the shell expands them (constants, never inventory values).
    lockGlobs: packageLockFiles.filter((f) => f.includes('*')).join(' '),
    mirrors: mirrorTargets(inventory),
    haproxy: inventory.kubernetes.apiEndpoint?.nodeLocal !== undefined,
    vip: inventory.kubernetes.apiEndpoint?.kubeVip?.address ?? null,
  });
}

export class FactsParseError extends Error {}

/** key → values in output order (a few keys repeat: link, lock, mirror, firewalld_service). */
function readLines(stdout: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (key.endsWith('.b64')) {
      key = key.slice(0, -4);
      value = Buffer.from(value, 'base64').toString('utf8');
    }
    const list = values.get(key) ?? [];
    list.push(value);
    values.set(key, list);
  }
  return values;
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function parseOsRelease(text: string): HostFacts['os'] {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return {
    id: fields.ID ?? '',
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: fields.VERSION_ID ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? '',
  };
}

function parseSwaps(text: string): Swap[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && f[0] !== '')
    .map(([device, type, size]) => ({ device: device!, type: type!, sizeKb: Number(size) || 0 }));
}

/** fstab lines whose third field (the type) is swap. */
function parseFstabSwap(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && l.split(/\s+/)[2] === 'swap');
}

function parseSelinux(value: string | undefined): SelinuxMode {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'enforcing' || v === 'permissive' || v === 'disabled' || v === 'absent') return v;
  return 'unknown';
}

/** "0.0.0.0:22", "[::]:22", "*:22", "127.0.0.53%lo:53" → address and port. */
function splitHostPort(local: string): { address: string; port: number } | undefined {
  const m = /^(.*):(\d+)$/.exec(local);
  if (!m) return undefined;
  return { address: m[1]!.replace(/^\[|\]$/g, '').replace(/%.*$/, ''), port: Number(m[2]) };
}

function parseSsListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'tcp' && f[0] !== 'udp') continue; // also skips a header line from an ss without -H
    const local = f[4] && splitHostPort(f[4]);
    if (!local) continue;
    const proc = /users:\(\("([^"]+)"/.exec(line)?.[1];
    out.push({ proto: f[0], ...local, ...(proc ? { process: proc } : {}) });
  }
  return out;
}

/** /proc/net/{tcp,udp}[6] lines prefixed with the file name; LISTEN is state 0A, unconnected UDP 07. */
function parseProcNetListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const file = f[0] ?? '';
    const local = f[2];
    const state = f[4];
    if (!/^(tcp|udp)6?$/.test(file) || !local || !local.includes(':')) continue;
    const proto = file.startsWith('tcp') ? 'tcp' : 'udp';
    if ((proto === 'tcp' && state !== '0A') || (proto === 'udp' && state !== '07')) continue;
    const [hexAddr, hexPort] = local.split(':');
    out.push({ proto, address: hexAddr!.length === 8 ? hexIpv4(hexAddr!) : hexAddr!, port: parseInt(hexPort!, 16) });
  }
  return out;
}

/** /proc/net/tcp stores IPv4 addresses as little-endian hex. */
function hexIpv4(hex: string): string {
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  return bytes.reverse().join('.');
}

function parseRoutes(text: string): Route[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      const dev = /\bdev\s+(\S+)/.exec(l)?.[1];
      // Route types (unreachable, blackhole...) come before the destination.
      const dest = /^(unicast|local|broadcast|multicast|throw|unreachable|prohibit|blackhole|nat)$/.test(f[0]!) ? f[1]! : f[0]!;
      return { dest, ...(dev ? { dev } : {}) };
    });
}

function parseAddresses(text: string): HostFacts['addresses'] {
  const out: HostFacts['addresses'] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(line.trim());
    if (m) out.push({ dev: m[1]!, cidr: m[2]! });
  }
  return out;
}

function parseLinks(values: string[]): Link[] {
  return values.map((v) => {
    const [name = '', mac = '', kind = ''] = v.split(' ');
    return { name, mac: mac.toLowerCase(), virtual: kind === 'virtual' };
  });
}

function parseLocks(values: string[]): PackageLock[] {
  return values.map((v) => {
    const [path = '', state = '', pid, ...command] = v.split(' ');
    if (state !== 'held') return { path, held: false };
    return { path, held: true, ...(pid ? { pid } : {}), ...(command.length ? { command: command.join(' ') } : {}) };
  });
}

/**
 * `mirror=KIND URL STATUS CLIENT FINAL_URL` (format 2: the final URL after redirects). The older
 * `KIND STATUS CLIENT URL` lines of recorded fixtures are still read.
 */
function parseMirrors(values: string[]): MirrorProbe[] {
  const out: MirrorProbe[] = [];
  for (const v of values) {
    const f = v.split(' ');
    const kind = f[0];
    if (kind !== 'image' && kind !== 'deb' && kind !== 'rpm') continue;
    const urlFirst = f[1]?.includes('://') ?? false;
    const [url, status, client, finalUrl] = urlFirst ? [f[1], f[2], f[3], f[4]] : [f[3], f[1], f[2], undefined];
    if (!url) continue;
    const curlExit = client?.startsWith('curl:') ? Number(client.slice(5)) : undefined;
    out.push({
      kind,
      url,
      status: status === 'unknown' ? undefined : Number(status) || 0,
      ...(curlExit ? { curlExit } : {}),
      ...(finalUrl && finalUrl !== url ? { finalUrl } : {}),
    });
  }
  return out;
}

/** "containerd github.com/containerd/containerd 1.6.20~ds1 …" → "1.6.20~ds1". */
function containerdVersion(line: string): string | undefined {
  return line.split(/\s+/).find((w) => /^v?\d+\.\d+\.\d+/.test(w));
}

/** First x.y.z-looking word of a tool's version output ("Kubernetes v1.28.15", "Client Version: v1.28.15"). */
function versionWord(text: string | undefined): string | undefined {
  return text?.split(/\s+/).find((w) => /^v?\d+\.\d+\.\d+/.test(w));
}

/** dpkg-query "ii 1.28.15-1.1" or rpm's "ii 1.28.15": installed packages only. */
function installedPackage(text: string | undefined): string | undefined {
  const m = /^ii\s+(\S+)/.exec(text?.trim() ?? '');
  return m?.[1];
}

function parseModule(get: (k: string) => string | undefined, name: string, procModules: boolean): ModuleFacts {
  const flag = (k: string) => get(`module.${name}.${k}`) === 'yes';
  const loadable = get(`module.${name}.loadable`);
  return {
    loaded: procModules ? flag('loaded') : undefined,
    sysModule: flag('sys'),
    builtin: flag('builtin'),
    loadable: loadable === 'yes' ? true : loadable === 'no' ? false : undefined,
  };
}

/** Parses the facts script's stdout; throws FactsParseError when it is not a complete run. */
export function parseFacts(stdout: string): HostFacts {
  const values = readLines(stdout);
  if (values.get('end')?.[0] !== 'ok') {
    throw new FactsParseError('the facts script did not finish (no end=ok line in its output)');
  }
  if (values.get('format')?.[0] !== '1') throw new FactsParseError(`unknown facts format "${values.get('format')?.[0]}"`);
  const get = (k: string) => values.get(k)?.[0];
  const all = (k: string) => values.get(k) ?? [];

  const procModules = get('proc_modules') === 'yes';
  const modules: Record<string, ModuleFacts> = {};
  for (const m of kernelModules) modules[m] = parseModule(get, m, procModules);

  const binaries: Record<string, string | undefined> = {};
  for (const b of requiredBinaries) binaries[b] = get(`bin.${b}`) || undefined;

  const sysctls: Record<string, string> = {};
  for (const [k, v] of values) if (k.startsWith('sysctl.')) sysctls[k.slice('sysctl.'.length)] = v[0]!.trim();

  const listenText = get('listen') ?? '';
  const listenSource = get('listen_source') === 'proc' ? 'proc' : 'ss';
  const versionLine = get('containerd_version') ?? '';
  const disabledPlugins = get('containerd_disabled_plugins') ?? '';
  const crictlExit = toInt(get('crictl_rc'));
  const certExpiryExit = toInt(get('cert_expiry_rc'));

  const kube: HostFacts['kube'] = {};
  const kubeadm = versionWord(get('kubeadm_bin')) ?? installedPackage(get('pkg.kubeadm'));
  const kubelet = versionWord(get('kubelet_bin')) ?? installedPackage(get('pkg.kubelet'));
  const kubectl = versionWord(get('kubectl_bin')) ?? installedPackage(get('pkg.kubectl'));
  if (kubeadm) kube.kubeadm = kubeadm;
  if (kubelet) kube.kubelet = kubelet;
  if (kubectl) kube.kubectl = kubectl;

  return {
    os: parseOsRelease(get('os_release') ?? ''),
    uid: toInt(get('uid')),
    cpus: toInt(get('nproc')),
    memTotalKb: toInt(get('mem_total_kb')),
    swaps: parseSwaps(get('proc_swaps') ?? ''),
    fstabSwapLines: parseFstabSwap(get('fstab_swap') ?? ''),
    cgroupFs: get('cgroup_fs') ?? 'unknown',
    hostname: (get('hostname') ?? '').trim(),
    epoch: toInt(get('epoch')),
    kernel: get('kernel') ?? '',
    binaries,
    selinux: { mode: parseSelinux(get('selinux')), config: (get('selinux_config') ?? '').trim() },
    firewall: {
      firewalld: {
        state: get('firewalld') ?? 'absent',
        zone: get('firewalld_zone') ?? '',
        ports: (get('firewalld_ports') ?? '').split(/\s+/).filter(Boolean),
        services: all('firewalld_service').map((v) => {
          const [name = '', ...ports] = v.split(/\s+/).filter(Boolean);
          return { name, ports };
        }),
      },
      ufw: get('ufw'),
      iptablesInput: get('iptables_input'),
      nftRuleset: get('nft_ruleset'),
    },
    listenSource,
    listeners: listenSource === 'ss' ? parseSsListeners(listenText) : parseProcNetListeners(listenText),
    sysctls,
    procModules,
    features: { bridgeSysctls: get('feature.bridge_sysctls') === 'yes', overlayFs: get('feature.overlay_fs') === 'yes' },
    modules,
    locks: parseLocks(all('lock')),
    routes: parseRoutes(get('routes') ?? ''),
    addresses: parseAddresses(get('addresses') ?? ''),
    links: parseLinks(all('link')),
    productUuid: get('product_uuid')?.trim() || undefined,
    machineId: get('machine_id')?.trim() || undefined,
    containerd: {
      versionLine,
      version: containerdVersion(versionLine),
      configPresent: get('containerd_config') === 'yes',
      disabledPlugins,
      // Docker's containerd.io package ships `disabled_plugins = ["cri"]`; the plugin's full id also counts.
      criDisabled: /"(cri|io\.containerd\.grpc\.v1\.cri)"/.test(disabledPlugins),
      socket: get('containerd_socket') === 'yes',
      aptCandidate: get('containerd_candidate') || undefined,
      aptLists: get('apt_lists') === 'yes',
      crictl: crictlExit === undefined ? undefined : { exitCode: crictlExit, output: get('crictl') ?? '' },
    },
    kube,
    kubeletConf: get('kubelet_conf') === 'yes',
    adminConf: get('admin_conf') === 'yes',
    ...(certExpiryExit === undefined ? {} : { certExpiry: { exitCode: certExpiryExit, output: get('cert_expiry') ?? '' } }),
    mirrors: parseMirrors(all('mirror')),
    endpoint: {
      haproxyCandidate: get('haproxy_candidate'),
      vipPing: get('vip_ping') === undefined ? undefined : get('vip_ping') === 'yes',
      vipNeighbour: get('vip_neigh') || undefined,
    },
  };
}
