import { effectiveNodeName } from './system.js';
import type { ClusterCheck, CollectedHost } from './types.js';

/** Values shared by more than one host: value → host names. */
function duplicates(entries: { host: string; value: string }[]): Map<string, string[]> {
  const byValue = new Map<string, string[]>();
  for (const { host, value } of entries) {
    const list = byValue.get(value) ?? [];
    if (!list.includes(host)) list.push(host);
    byValue.set(value, list);
  }
  return new Map([...byValue].filter(([, hosts]) => hosts.length > 1));
}

const names = (hosts: CollectedHost[]) => hosts.map((h) => h.host.name);

const uniqueHostname: ClusterCheck = {
  id: 'unique-hostname',
  title: 'Node names are unique across hosts',
  run: (hosts) => {
    const dups = duplicates(hosts.map((h) => ({ host: h.host.name, value: effectiveNodeName(h.host, h.facts).toLowerCase() })));
    if (dups.size === 0) return { status: 'pass', message: 'node names are unique', hosts: names(hosts) };
    const list = [...dups].map(([name, hs]) => `"${name}" on ${hs.join(', ')}`).join('; ');
    return {
      status: 'fail',
      message: `duplicate hostnames: ${list}. Fix: give each host its own hostname (hostnamectl set-hostname) or let kinstall set it from the inventory (remove setHostname: false)`,
      hosts: [...dups.values()].flat(),
    };
  },
};

/** Non-loopback links with a real MAC; CNI and container links are excluded (they repeat by design). */
const containerLinks = /^(cni\d*|flannel\.\d+|cali.*|tunl\d+|vxlan\.calico|cilium.*|docker\d*|veth.*|kube-ipvs\d+|nodelocaldns|virbr\d+.*|br-[0-9a-f]+)$/;

const uniqueMac: ClusterCheck = {
  id: 'unique-mac',
  title: 'Network interface MAC addresses are unique across hosts',
  run: (hosts) => {
    const entries = hosts.flatMap((h) =>
      h.facts.links
        .filter((l) => !containerLinks.test(l.name) && l.mac && l.mac !== '00:00:00:00:00:00')
        .map((l) => ({ host: h.host.name, value: l.mac, link: l.name })),
    );
    const dups = duplicates(entries);
    if (dups.size === 0) return { status: 'pass', message: `${entries.length} interface MAC addresses, all unique`, hosts: names(hosts) };
    const list = [...dups]
      .map(([mac, hs]) => `${mac} on ${hs.map((h) => `${h} (${entries.filter((e) => e.host === h && e.value === mac).map((e) => e.link).join(',')})`).join(', ')}`)
      .join('; ');
    return {
      status: 'fail',
      message: `duplicate MAC addresses: ${list}. Fix: give the cloned VMs new MAC addresses in the hypervisor (or the network config) and reboot`,
      hosts: [...dups.values()].flat(),
    };
  },
};

const uniqueProductUuid: ClusterCheck = {
  id: 'unique-product-uuid',
  title: 'Machine identity is unique: DMI product_uuid where present, else /etc/machine-id',
  run: (hosts) => {
    const entries = hosts.map((h) =>
      h.facts.productUuid
        ? { host: h.host.name, value: `product_uuid ${h.facts.productUuid.toLowerCase()}`, source: 'product_uuid' }
        : { host: h.host.name, value: `machine-id ${h.facts.machineId ?? '(empty)'}`, source: 'machine-id' },
    );
    const bySource = (s: string) => entries.filter((e) => e.source === s).map((e) => e.host);
    const used = [
      bySource('product_uuid').length ? `product_uuid on ${bySource('product_uuid').join(', ')}` : '',
      bySource('machine-id').length ? `/etc/machine-id on ${bySource('machine-id').join(', ')} (no DMI product_uuid)` : '',
    ].filter(Boolean).join('; ');
    const dups = duplicates(entries);
    if (dups.size === 0) return { status: 'pass', message: `unique (${used})`, hosts: names(hosts) };
    const list = [...dups].map(([value, hs]) => `${value} on ${hs.join(', ')}`).join('; ');
    const fix = [...dups.keys()].some((v) => v.startsWith('machine-id'))
      ? 'regenerate /etc/machine-id on the clones (rm /etc/machine-id && systemd-machine-id-setup) and reboot'
      : 'give the cloned VMs distinct SMBIOS UUIDs in the hypervisor';
    return { status: 'fail', message: `duplicate machine identity: ${list}. Fix: ${fix}`, hosts: [...dups.values()].flat() };
  },
};

const maxSkewSeconds = 30;

const timeSkew: ClusterCheck = {
  id: 'time-skew',
  title: `Host clocks agree within ${maxSkewSeconds} s (certificates and etcd depend on it)`,
  run: (hosts) => {
    const timed = hosts.filter((h) => h.facts.epoch !== undefined);
    if (timed.length < 2) return { status: 'pass', message: 'fewer than two hosts: nothing to compare', hosts: names(timed) };
    const offsets = timed.map((h) => ({ host: h.host.name, offset: Math.round(h.clockOffsetSeconds) })).sort((a, b) => a.offset - b.offset);
    const spread = offsets[offsets.length - 1]!.offset - offsets[0]!.offset;
    const describe = offsets.map((o) => `${o.host} ${o.offset >= 0 ? '+' : ''}${o.offset} s`).join(', ');
    if (spread <= maxSkewSeconds) return { status: 'pass', message: `clocks agree within ${spread} s`, hosts: names(timed) };
    const median = offsets[Math.floor(offsets.length / 2)]!.offset;
    let off = offsets.filter((o) => Math.abs(o.offset - median) > maxSkewSeconds / 2).map((o) => o.host);
    if (off.length === 0) off = [offsets[0]!.host, offsets[offsets.length - 1]!.host];
    return {
      status: 'fail',
      message: `clocks differ by ${spread} s (more than ${maxSkewSeconds} s): ${describe} relative to this machine. Fix: enable time sync on every host (timedatectl set-ntp true, or chronyd/systemd-timesyncd)`,
      hosts: off,
    };
  },
};

export const identityChecks: ClusterCheck[] = [uniqueHostname, uniqueMac, uniqueProductUuid, timeSkew];
