import { firewallVerdict } from './firewall.js';
import { parseCidr, overlaps } from './ipv4.js';
import { fail, pass, skip, warn } from './outcome.js';
import { formatPort, requiredPorts, type PortSpec } from './ports.js';
import type { HostCheck, Listener, MirrorProbe } from './types.js';

const firewall: HostCheck = {
  id: 'firewall',
  title: "The active firewall (firewalld, ufw, nftables/iptables) lets the role's ports in",
  run: ({ facts, host, inventory }) => {
    const needed = requiredPorts(host, inventory);
    const verdict = firewallVerdict(facts, needed);
    if (verdict.backend === 'none') return pass('no active firewall');
    if (verdict.blocked.length === 0) return pass(`${verdict.description} allows ${needed.map(formatPort).join(', ')}`);
    const list = verdict.blocked.map((p) => `${formatPort(p)} (${p.purpose})`).join(', ');
    const ports = verdict.blocked.map(formatPort);
    const fix =
      verdict.backend === 'firewalld'
        ? `${ports.map((p) => `firewall-cmd --permanent --add-port=${p}`).join(' && ')} && firewall-cmd --reload (kinstall preflight --fix does it)`
        : verdict.backend === 'ufw'
          ? `${ports.map((p) => `ufw allow ${p.replace('-', ':')}`).join(' && ')} (kinstall preflight --fix does it)`
          : 'add accept rules for these ports before the rules that drop them (kinstall --fix does not edit raw nftables/iptables rules)';
    return fail(`${verdict.description} blocks ${list}`, fix);
  },
};

const nodePortPurpose = 'NodePort services';

/** Components that hold these ports on a host that is already a node (see existing-cluster). */
const kubernetesProcesses = /^(kube-apiserver|etcd|kubelet|kube-controller|kube-scheduler|kube-proxy|flanneld)/;

function listenersOn(listeners: Listener[], p: PortSpec): Listener[] {
  return listeners.filter((l) => l.proto === p.proto && l.port >= p.from && l.port <= p.to);
}

const ports: HostCheck = {
  id: 'ports',
  title: "Nothing already listens on the role's ports",
  run: ({ facts, host, inventory }) => {
    const needed = requiredPorts(host, inventory);
    const taken: string[] = [];
    const inRange: string[] = [];
    let ownOnly = true;
    for (const p of needed) {
      for (const l of listenersOn(facts.listeners, p)) {
        const what = `${l.port}/${l.proto} (${p.purpose}) is taken by ${l.process ?? 'an unknown process'} on ${l.address}`;
        // kubeadm checks only its own components' ports (checks.go PortOpenCheck); a listener in the
        // NodePort range just means kube-proxy cannot hand out that one port.
        if (p.purpose === nodePortPurpose) {
          inRange.push(what);
          continue;
        }
        taken.push(what);
        if (!(facts.kubeletConf && l.process && kubernetesProcesses.test(l.process))) ownOnly = false;
      }
    }
    if (taken.length === 0 && inRange.length === 0) return pass(`free: ${needed.map(formatPort).join(', ')}`);
    const rangeNote = inRange.length ? `${inRange.join('; ')}: a NodePort service cannot use ${inRange.length === 1 ? 'that port' : 'those ports'} (kubeadm does not check the range)` : '';
    if (taken.length === 0) return warn(rangeNote, 'move the listener out of 30000-32767, or let Kubernetes never allocate that port');
    const note = rangeNote ? `; ${rangeNote}` : '';
    if (ownOnly) return warn(`${taken.join('; ')}: Kubernetes already runs here (see existing-cluster)${note}`, '');
    return fail(`${taken.join('; ')}${note}`, 'stop or reconfigure the process holding the port (ss -ltnup shows it)');
  },
};

/** Links a CNI creates for the cluster itself: their routes are meant to be inside the pod subnet. */
const clusterLinks = /^(cni\d*|flannel\.\d+|cali.*|tunl\d+|vxlan\.calico|cilium.*|kube-ipvs\d+|nodelocaldns)$/;

const subnetOverlap: HostCheck = {
  id: 'subnet-overlap',
  title: "The pod and service subnets do not overlap the host's networks",
  run: ({ facts, inventory }) => {
    const subnets = [
      { name: 'podSubnet', cidr: inventory.kubernetes.podSubnet },
      { name: 'serviceSubnet', cidr: inventory.kubernetes.serviceSubnet },
    ];
    const networks = [
      ...facts.routes.filter((r) => r.dest !== 'default').map((r) => ({ what: `route ${r.dest}`, cidr: r.dest, dev: r.dev })),
      ...facts.addresses.filter((a) => a.dev !== 'lo').map((a) => ({ what: `address ${a.cidr}`, cidr: a.cidr, dev: a.dev })),
    ].filter((n) => !(n.dev && clusterLinks.test(n.dev)));
    const clashes: string[] = [];
    for (const s of subnets) {
      const sub = parseCidr(s.cidr);
      if (!sub) continue; // IPv6 or invalid: inventory validation reports those
      for (const n of networks) {
        const net = parseCidr(n.cidr);
        if (net && overlaps(sub, net)) clashes.push(`${n.what}${n.dev ? ` on ${n.dev}` : ''} overlaps ${s.name} ${s.cidr}`);
      }
    }
    if (clashes.length === 0) return pass(`${subnets.map((s) => s.cidr).join(' and ')} do not overlap the host's routes`);
    return fail([...new Set(clashes)].join('; '), 'choose kubernetes.podSubnet / serviceSubnet ranges the hosts do not use (e.g. 10.244.0.0/16 and 10.96.0.0/12 are defaults; 172.16.0.0/12 ranges are other options)');
  },
};

/**
 * kubeadm advertises, and kubelet registers (--node-ip), the host's internalAddress: it must be
 * one of the host's own addresses. Behind NAT (a cloud floating IP used for SSH) it is not, and
 * kubeadm init would fail late with "cannot assign requested address".
 */
const nodeAddress: HostCheck = {
  id: 'node-address',
  title: "The host's internalAddress (else address) is configured on one of its interfaces",
  run: ({ facts, host }) => {
    const wanted = host.internalAddress;
    if (!parseCidr(wanted) || wanted.includes('/')) return skip(`${wanted} is not an IPv4 address`);
    if (facts.addresses.length === 0) return skip('the host listed no IPv4 addresses (ip -4 addr)');
    const own = facts.addresses.find((a) => a.cidr.split('/')[0] === wanted);
    if (own) return pass(`${wanted} is on ${own.dev}`);
    const has = facts.addresses.filter((a) => a.dev !== 'lo').map((a) => `${a.cidr.split('/')[0]} on ${a.dev}`).join(', ');
    const key = host.spec.internalAddress !== undefined ? 'internalAddress' : 'address';
    return fail(
      `${wanted} (${key}) is not an address of this host (it has ${has || 'only loopback addresses'}): the API server and kubelet can only advertise a local address`,
      `set internalAddress of host ${host.name} (${host.source.file}:${host.source.line}) to its address on the cluster network`,
    );
  },
};

/** Why curl got no HTTP answer, from its exit code. */
function curlReason(code: number | undefined): string {
  switch (code) {
    case 6: return 'name does not resolve';
    case 7: return 'connection refused or no route';
    case 28: return 'timed out';
    case 35: return 'TLS handshake failed';
    case 47: return 'more than 5 redirects';
    case 60: return 'TLS certificate not trusted';
    default: return code ? `no answer (curl exit ${code})` : 'no answer';
  }
}

/** "URL" or "URL → FINAL" when the probe was redirected. */
function where(m: MirrorProbe): string {
  return m.finalUrl ? `${m.url} (redirected to ${m.finalUrl})` : m.url;
}

/**
 * Judges the FINAL answer after redirects (the probe follows up to 5, like apt, dnf and
 * containerd): packages need 200; a registry's /v2/ is reachable with 200 or 401 (the Bearer
 * challenge of the distribution spec's "API version check").
 */
function probeProblem(m: MirrorProbe, minor: string): string | undefined {
  if (m.status === undefined) return undefined;
  if (m.status === 0) return `${where(m)}: ${curlReason(m.curlExit)}`;
  if (m.status >= 300 && m.status < 400) return `${where(m)}: HTTP ${m.status} (a redirect the probe could not follow further)`;
  if (m.kind === 'image') return m.status === 200 || m.status === 401 ? undefined : `${where(m)}: HTTP ${m.status} (not a registry /v2/ endpoint)`;
  if (m.status === 200) return undefined;
  if (m.status === 404) return `${where(m)}: HTTP 404 (the repository has no v${minor} ${m.kind} packages there)`;
  return `${where(m)}: HTTP ${m.status}`;
}

const mirrorReachable: HostCheck = {
  id: 'mirror-reachable',
  title: 'The host reaches the image registry (and mirrors) and the package repository, following redirects',
  run: ({ facts, inventory }) => {
    if (facts.mirrors.length === 0) return skip('no registry or package repository probed');
    if (facts.mirrors.every((m) => m.status === undefined)) {
      return warn(
        'not checked: the host has neither curl nor wget; kinstall up installs curl in prepare-host before any download, and apt/dnf reach the repository themselves',
        'install curl (or run kinstall preflight --fix) and run preflight again to check the mirrors now',
      );
    }
    const minor = inventory.kubernetes.version.split('.').slice(0, 2).join('.');
    const problems = facts.mirrors.map((m) => probeProblem(m, minor)).filter((p): p is string => p !== undefined);
    if (problems.length === 0) return pass(`reachable: ${facts.mirrors.map((m) => `${where(m)} (${m.status})`).join(', ')}`);
    return fail(problems.join('; '), 'check DNS, proxy and firewall egress from this host, or point kubernetes.imageRepository / packageRepository / containerd.registryMirrors at mirrors it can reach');
  },
};

export const networkChecks: HostCheck[] = [firewall, ports, nodeAddress, subnetOverlap, mirrorReachable];
