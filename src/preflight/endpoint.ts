import { nodeLocalAddress } from '../inventory/endpoint.js';
import { overlaps, parseCidr } from './ipv4.js';
import { fail, pass, skip, warn } from './outcome.js';
import type { HostCheck } from './types.js';

/**
 * What kubernetes.apiEndpoint needs from each host (issue 14): the node-local balancer's port
 * free (or held by haproxy, ours from an earlier run) and haproxy installable; the kube-vip VIP
 * on the named interface's subnet and held by nobody before the cluster exists.
 */

const balancerPort: HostCheck = {
  id: 'api-endpoint-port',
  title: 'The node-local API balancer port (kubernetes.apiEndpoint.nodeLocal.port) is free or already haproxy\'s',
  run: ({ facts, inventory }) => {
    const port = inventory.kubernetes.apiEndpoint?.nodeLocal?.port;
    if (port === undefined) return skip('no node-local balancer in the inventory');
    // A listener on 127.0.0.1 or on every address (0.0.0.0, *, [::]) takes 127.0.0.1:port.
    const taking = facts.listeners.filter((l) => l.proto === 'tcp' && l.port === port && [nodeLocalAddress, '0.0.0.0', '*', '::', '[::]'].includes(l.address));
    const other = taking.filter((l) => l.process !== 'haproxy');
    if (other.length === 0) return pass(taking.length ? `${nodeLocalAddress}:${port} is haproxy's (the balancer of an earlier run)` : `${nodeLocalAddress}:${port} is free`);
    const who = other.map((l) => `${l.process ?? 'an unknown process'} on ${l.address}`).join(', ');
    return fail(`${nodeLocalAddress}:${port}, where the node-local API balancer listens, is taken by ${who}`, `stop that service, or choose another kubernetes.apiEndpoint.nodeLocal.port`);
  },
};

const haproxyPackage: HostCheck = {
  id: 'api-endpoint-haproxy',
  title: 'haproxy is installed or installable from the host\'s package sources (node-local balancer)',
  run: ({ facts, inventory }) => {
    if (inventory.kubernetes.apiEndpoint?.nodeLocal === undefined) return skip('no node-local balancer in the inventory');
    const candidate = facts.endpoint?.haproxyCandidate;
    if (candidate === 'installed') return pass('haproxy is installed');
    if (candidate === undefined) return skip('not an apt host: dnf resolves haproxy (AppStream on RHEL-family) when kinstall up installs it');
    if (candidate === '' || candidate === '(none)') {
      // No lists at all: apt has not read its sources yet; up runs apt-get update first.
      if (!facts.containerd.aptLists) return warn('apt has no package lists yet, so whether haproxy is offered is unknown', 'apt-get update (kinstall up runs it before installing)');
      return fail('apt offers no haproxy package from this host\'s sources', 'enable the distribution\'s main repository (Debian/Ubuntu ship haproxy in main), or use kubeVip or an external controlPlaneEndpoint');
    }
    return pass(`apt would install haproxy ${candidate}`);
  },
};

const vip: HostCheck = {
  id: 'api-endpoint-vip',
  title: 'The kube-vip address is in the interface\'s subnet and free (control planes)',
  run: ({ facts, host, inventory }) => {
    const spec = inventory.kubernetes.apiEndpoint?.kubeVip;
    if (spec === undefined) return skip('no kube-vip VIP in the inventory');
    if (!host.isControlPlane) return skip('kube-vip runs on control planes only');
    const link = facts.links.find((l) => l.name === spec.interface);
    const onInterface = facts.addresses.filter((a) => a.dev === spec.interface);
    if (!link && onInterface.length === 0) {
      return fail(`interface ${spec.interface} (kubernetes.apiEndpoint.kubeVip.interface) does not exist here (has: ${[...new Set(facts.links.map((l) => l.name))].join(', ') || 'none listed'})`, 'name the interface that carries the control planes\' subnet (ip -br addr)');
    }
    // The VIP itself, /32, is on the interface once kube-vip leads: ours when the cluster exists.
    const held = onInterface.some((a) => a.cidr.split('/')[0] === spec.address);
    if (held) {
      return facts.adminConf || facts.kubeletConf
        ? pass(`${spec.address} is held here (kube-vip leads on this control plane)`)
        : fail(`${spec.address} is already assigned to ${spec.interface} on a host that is not yet a node`, 'the VIP must be a FREE address: remove it (ip addr del) or choose another');
    }
    // An interface address is host/prefix (10.77.0.11/16): parseCidr keeps its network.
    const vipNet = parseCidr(spec.address);
    const subnets = onInterface.map((a) => parseCidr(a.cidr)).filter((n) => n !== undefined && n.prefix < 32);
    if (!vipNet || !subnets.some((n) => overlaps(n!, vipNet))) {
      return fail(`${spec.address} is outside every subnet of ${spec.interface} (${onInterface.map((a) => a.cidr).join(', ') || 'no address'}): ARP cannot announce it there`, 'choose a free address in the control planes\' subnet');
    }
    const answered = facts.endpoint?.vipPing === true || facts.endpoint?.vipNeighbour !== undefined;
    if (answered && !(facts.adminConf || facts.kubeletConf)) {
      return fail(`${spec.address} already answers on the network (${facts.endpoint?.vipNeighbour ? `MAC ${facts.endpoint.vipNeighbour}` : 'ping'}) though no control plane is set up yet`, 'the VIP must be a FREE address: choose another, or free it');
    }
    return pass(`${spec.address} is in ${spec.interface}'s subnet${answered ? ' and answers (kube-vip of this cluster)' : ' and free'}`);
  },
};

export const endpointChecks: HostCheck[] = [balancerPort, haproxyPackage, vip];
