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
    let ownOnly = true;
    for (const p of needed) {
      for (const l of listenersOn(facts.listeners, p)) {
        taken.push(`${l.port}/${l.proto} (${p.purpose}) is taken by ${l.process ?? 'an unknown process'} on ${l.address}`);
        if (!(facts.kubeletConf && l.process && kubernetesProcesses.test(l.process))) ownOnly = false;
      }
    }
    if (taken.length === 0) return pass(`free: ${needed.map(formatPort).join(', ')}`);
    if (ownOnly) return warn(`${taken.join('; ')}: Kubernetes already runs here (see existing-cluster)`, '');
    return fail(taken.join('; '), 'stop or reconfigure the process holding the port (ss -ltnup shows it)');
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
    case 60: return 'TLS certificate not trusted';
    default: return code ? `no answer (curl exit ${code})` : 'no answer';
  }
}

function probeProblem(m: MirrorProbe, minor: string): string | undefined {
  if (m.status === undefined) return undefined;
  if (m.status === 0) return `${m.url}: ${curlReason(m.curlExit)}`;
  if (m.kind === 'image') return m.status === 200 || m.status === 401 ? undefined : `${m.url}: HTTP ${m.status} (not a registry /v2/ endpoint)`;
  if (m.status === 200) return undefined;
  if (m.status === 404) return `${m.url}: HTTP 404 (the repository has no v${minor} ${m.kind} packages there)`;
  return `${m.url}: HTTP ${m.status}`;
}

const mirrorReachable: HostCheck = {
  id: 'mirror-reachable',
  title: 'The host reaches the image registry (and mirrors) and the package repository',
  run: ({ facts, inventory }) => {
    if (facts.mirrors.length === 0) return skip('no registry or package repository probed');
    if (facts.mirrors.every((m) => m.status === undefined)) {
      return warn('not checked: the host has neither curl nor wget', 'install curl to let preflight check the mirrors');
    }
    const minor = inventory.kubernetes.version.split('.').slice(0, 2).join('.');
    const problems = facts.mirrors.map((m) => probeProblem(m, minor)).filter((p): p is string => p !== undefined);
    if (problems.length === 0) return pass(`reachable: ${facts.mirrors.map((m) => `${m.url} (${m.status})`).join(', ')}`);
    return fail(problems.join('; '), 'check DNS, proxy and firewall egress from this host, or point kubernetes.imageRepository / packageRepository / containerd.registryMirrors at mirrors it can reach');
  },
};

export const networkChecks: HostCheck[] = [firewall, ports, nodeAddress, subnetOverlap, mirrorReachable];
