import { classifyAddress, isNodeName } from './addresses.js';
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from './cidr.js';
import { closestMatch } from './closest.js';
import { HOSTNAME_MAX, IPV6_HINT, IPV6_REFUSED } from './grammar.js';
import type { PathSegment, PositionFinder } from './positions.js';
import type { Problem } from './problems.js';
import type { KubernetesSpec } from './schema.js';
import {
  checkContainerdCompat,
  describeSupportedRange,
  isSupportedKubernetes,
  parseKubernetesVersion,
} from '../versions/index.js';

/**
 * Fields the cross-field rules read, taken leniently from the raw document: a field is present
 * when it has the right type even if a sibling field is broken, so one run reports everything.
 */
export interface HostFields {
  index: number;
  name?: string;
  address?: string;
  internalAddress?: string;
  roles: string[];
  /** False only when the host says setHostname: false. */
  setHostname?: boolean;
}
export interface CrossFieldInput {
  hosts: HostFields[];
  /** True when every host has a valid roles list: only then are role counts trustworthy. */
  rolesComplete: boolean;
  kubernetes?: Partial<Pick<KubernetesSpec, 'version' | 'podSubnet' | 'serviceSubnet' | 'controlPlaneEndpoint'>>;
  containerdVersion?: string;
  preflightIgnore?: string[];
  /** kubernetes.apiEndpoint when present (a record), with the kube-vip address if a string. */
  apiEndpoint?: { kubeVipAddress?: string };
}

export interface ValidateOptions {
  /** Preflight check ids; when given, preflight.ignore entries must be among them. */
  knownCheckIds?: readonly string[];
}

/** Rules that need several fields at once; each problem points at the node that has to change. */
export function validateCrossFields(
  input: CrossFieldInput,
  ctx: { file: string; positions: PositionFinder },
  options: ValidateOptions = {},
): Problem[] {
  const problems: Problem[] = [];
  const report = (path: PathSegment[], message: string, hint?: string): void => {
    problems.push({ file: ctx.file, ...ctx.positions.value(path), message, hint });
  };
  const lineOf = (path: PathSegment[]): number => ctx.positions.value(path).line;
  const inFile = (path: PathSegment[]): boolean => ctx.positions.has(path);

  checkHostNames(input, report, lineOf);
  checkAddresses(input, report, lineOf);
  checkRoles(input, report);
  checkApiEndpoint(input, report, lineOf);
  if (input.kubernetes) {
    checkSubnets(input, input.kubernetes, report, inFile);
    checkVersions(input.kubernetes, input.containerdVersion, report);
  }
  if (options.knownCheckIds && input.preflightIgnore) {
    input.preflightIgnore.forEach((id, i) => {
      if (options.knownCheckIds!.includes(id)) return;
      const suggestion = closestMatch(id, options.knownCheckIds!);
      report(['preflight', 'ignore', i], `unknown preflight check id "${id}"`, suggestion ? `did you mean "${suggestion}"?` : 'kinstall preflight --help lists the check ids');
    });
  }
  return problems;
}

type Report = (path: PathSegment[], message: string, hint?: string) => void;
type LineOf = (path: PathSegment[]) => number;

function checkHostNames(input: CrossFieldInput, report: Report, lineOf: LineOf): void {
  const seen = new Map<string, number>();
  for (const { index, name, setHostname } of input.hosts) {
    if (name === undefined) continue;
    if (isNodeName(name) && setHostname !== false && name.length > HOSTNAME_MAX) {
      report(['hosts', index, 'name'], `host name "${name.slice(0, 40)}..." is longer than ${HOSTNAME_MAX} characters, which a Linux hostname cannot be`, 'use a shorter name, or set setHostname: false to keep the machine\'s own hostname');
    }
    if (!isNodeName(name)) {
      // kubelet registers the node under this name and Kubernetes node names are lowercase
      // DNS-1123 subdomains (apimachinery IsDNS1123Subdomain); kubeadm would refuse it halfway.
      const lower = name.toLowerCase();
      const hint = isNodeName(lower) ? `node names are lowercase: write ${lower}` : 'use lowercase letters, digits, "-" and "." (RFC 1123)';
      report(['hosts', index, 'name'], `host name "${name}" is not a valid node name`, hint);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      report(['hosts', index, 'name'], `duplicate host name "${name}" (also hosts[${first}] at line ${lineOf(['hosts', first, 'name'])})`);
    } else {
      seen.set(name, index);
    }
  }
}

function checkAddresses(input: CrossFieldInput, report: Report, lineOf: LineOf): void {
  const seenAddress = new Map<string, number>();
  const seenInternal = new Map<string, { index: number; key: 'address' | 'internalAddress' }>();
  for (const spec of input.hosts) {
    const index = spec.index;
    if (spec.address !== undefined) {
      const address = classifyAddress(spec.address);
      if (!address.ok) report(['hosts', index, 'address'], address.message);
      else if (address.kind === 'ipv6') report(['hosts', index, 'address'], `address "${spec.address}": ${IPV6_REFUSED}`, IPV6_HINT);
      const key = spec.address.toLowerCase();
      const first = seenAddress.get(key);
      if (first !== undefined) {
        report(['hosts', index, 'address'], `duplicate address "${spec.address}" (also hosts[${first}] at line ${lineOf(['hosts', first, 'address'])})`);
      } else {
        seenAddress.set(key, index);
      }
    }

    if (spec.internalAddress !== undefined) {
      const internal = classifyAddress(spec.internalAddress);
      if (!internal.ok) report(['hosts', index, 'internalAddress'], internal.message);
      else if (internal.kind === 'ipv6') report(['hosts', index, 'internalAddress'], `internalAddress "${spec.internalAddress}": ${IPV6_REFUSED}`, IPV6_HINT);
      else if (internal.kind === 'dns') {
        report(['hosts', index, 'internalAddress'], `internalAddress "${spec.internalAddress}" must be an IP address`, 'the cluster advertises this address; a DNS name cannot be used');
      }
    }
    // Two hosts with the same cluster-facing address would both claim one node IP.
    const effectiveKey: 'address' | 'internalAddress' = spec.internalAddress !== undefined ? 'internalAddress' : 'address';
    const effective = (spec.internalAddress ?? spec.address)?.toLowerCase();
    if (effective === undefined) continue;
    const other = seenInternal.get(effective);
    if (other && (effectiveKey === 'internalAddress' || other.key === 'internalAddress')) {
      report(['hosts', index, effectiveKey], `internal address "${effective}" is also the internal address of hosts[${other.index}] (line ${lineOf(['hosts', other.index, other.key])})`);
    } else if (!other) {
      seenInternal.set(effective, { index, key: effectiveKey });
    }
  }
}

function checkRoles(input: CrossFieldInput, report: Report): void {
  if (!input.rolesComplete) return;
  const controlPlanes = input.hosts.filter(({ roles }) => roles.includes('control-plane'));
  if (controlPlanes.length === 0) {
    report(['hosts'], 'no host has the control-plane role', 'add "control-plane" to the roles of one host');
  } else if (controlPlanes.length > 1 && input.kubernetes && input.kubernetes.controlPlaneEndpoint === undefined && input.apiEndpoint === undefined) {
    report(
      ['kubernetes', 'controlPlaneEndpoint'],
      `${controlPlanes.length} control-plane hosts need kubernetes.controlPlaneEndpoint or kubernetes.apiEndpoint`,
      'set controlPlaneEndpoint to a load balancer or DNS name in front of all control-plane hosts (e.g. lb.example.com:6443), or, without one, apiEndpoint: {nodeLocal: {}} (docs/inventory.md, API endpoint)',
    );
  }
}

/** kubernetes.apiEndpoint is the endpoint: no controlPlaneEndpoint besides it; the VIP is no host's address. */
function checkApiEndpoint(input: CrossFieldInput, report: Report, lineOf: (path: PathSegment[]) => number): void {
  if (input.apiEndpoint === undefined) return;
  if (input.kubernetes?.controlPlaneEndpoint !== undefined) {
    report(
      ['kubernetes', 'apiEndpoint'],
      `kubernetes.apiEndpoint and kubernetes.controlPlaneEndpoint (line ${lineOf(['kubernetes', 'controlPlaneEndpoint'])}) both name the API endpoint`,
      'keep controlPlaneEndpoint when you have a load balancer, apiEndpoint when kinstall should build one; not both',
    );
  }
  const vip = input.apiEndpoint.kubeVipAddress;
  if (vip === undefined) return;
  for (const spec of input.hosts) {
    for (const key of ['address', 'internalAddress'] as const) {
      if (spec[key] === vip) {
        report(['kubernetes', 'apiEndpoint', 'kubeVip', 'address'], `the virtual IP ${vip} is the ${key} of host ${spec.name ?? `hosts[${spec.index}]`} (line ${lineOf(['hosts', spec.index, key])})`, 'the VIP must be a FREE address: kube-vip adds it to whichever control plane leads');
      }
    }
  }
}

function checkSubnets(
  input: CrossFieldInput,
  kubernetes: NonNullable<CrossFieldInput['kubernetes']>,
  report: Report,
  inFile: (path: PathSegment[]) => boolean,
): void {
  const describe = (key: 'podSubnet' | 'serviceSubnet', cidr: Cidr): string =>
    `${key} ${cidr.text}${inFile(['kubernetes', key]) ? '' : ' (the default)'}`;
  const subnets: Array<{ key: 'podSubnet' | 'serviceSubnet'; cidr: Cidr }> = [];
  for (const key of ['podSubnet', 'serviceSubnet'] as const) {
    const text = kubernetes[key];
    if (text === undefined) continue;
    const parsed = parseCidr(text);
    if (!parsed.ok) report(['kubernetes', key], `${key}: ${parsed.message}`, parsed.hint);
    // Nothing configures IPv6 yet (forwarding sysctl, flannel EnableIPv6/IPv6Network): refuse it.
    else if (parsed.cidr.family === 6) report(['kubernetes', key], `${key} ${parsed.cidr.text}: ${IPV6_REFUSED}`, 'use an IPv4 range, e.g. podSubnet 10.244.0.0/16 and serviceSubnet 10.96.0.0/12');
    else subnets.push({ key, cidr: parsed.cidr });
  }
  const service = subnets.find((s) => s.key === 'serviceSubnet');
  // kubeadm caps the service range at 20 host bits (MaximumBitsForServiceSubnet): /12 for IPv4, /108 for IPv6.
  if (service) {
    const minPrefix = service.cidr.family === 4 ? 12 : 108;
    if (service.cidr.prefix < minPrefix) {
      report(['kubernetes', 'serviceSubnet'], `serviceSubnet ${service.cidr.text} is larger than kubeadm allows (/${minPrefix} at most)`);
    }
  }
  const pod = subnets.find((s) => s.key === 'podSubnet');
  if (pod && service && cidrsOverlap(pod.cidr, service.cidr)) {
    // Point at a subnet the operator wrote: a default has no line of its own.
    const at = inFile(['kubernetes', 'serviceSubnet']) || !inFile(['kubernetes', 'podSubnet']) ? 'serviceSubnet' : 'podSubnet';
    report(['kubernetes', at], `${describe('serviceSubnet', service.cidr)} overlaps ${describe('podSubnet', pod.cidr)}`, 'choose ranges that do not overlap, e.g. podSubnet 10.244.0.0/16 and serviceSubnet 10.96.0.0/12');
  }
  for (const spec of input.hosts) {
    const index = spec.index;
    const key = spec.internalAddress !== undefined ? 'internalAddress' : 'address';
    const address = spec[key];
    if (address === undefined) continue;
    for (const subnet of subnets) {
      if (cidrContains(subnet.cidr, address)) {
        report(['hosts', index, key], `address ${address} of host ${spec.name ?? `hosts[${index}]`} lies inside ${describe(subnet.key, subnet.cidr)}`, `change kubernetes.${subnet.key} to a range the machines do not use`);
      }
    }
  }
}

function checkVersions(kubernetes: NonNullable<CrossFieldInput['kubernetes']>, containerdVersion: string | undefined, report: Report): void {
  const version = kubernetes.version;
  if (version === undefined) return;
  if (!parseKubernetesVersion(version)) {
    const hint = /^v\d+\.\d+\.\d+$/.test(version) ? `write ${version.slice(1)} (without the v)` : 'an exact patch version such as 1.28.15';
    report(['kubernetes', 'version'], `Kubernetes version "${version}" is not x.y.z`, hint);
    return;
  }
  if (!isSupportedKubernetes(version)) {
    report(['kubernetes', 'version'], `Kubernetes ${version} is not supported`, `supported: ${describeSupportedRange()}`);
    return;
  }
  if (containerdVersion !== undefined) {
    const verdict = checkContainerdCompat(containerdVersion, version);
    if (!verdict.ok) report(['containerd', 'version'], verdict.reason, verdict.fix);
  }
}
