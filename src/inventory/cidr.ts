import { isIP } from 'node:net';

/** A parsed CIDR block; addresses are bigints so IPv4 and IPv6 share one code path. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  text: string;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/** The numeric value of an IP address, or null when `address` is not an IP. */
export function ipToBigInt(address: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(address);
  if (family === 4) {
    return { family, value: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  }
  if (family === 6) return { family, value: ipv6ToBigInt(address) };
  return null;
}

function ipv6ToBigInt(address: string): bigint {
  let text = address.split('%')[0]!; // zone id
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const v4 = ipToBigInt(v4Tail[1]!)!.value;
    text = text.slice(0, -v4Tail[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIp(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; message: string; hint?: string };

/** Parses "a.b.c.d/n" or "x::/n"; host bits must be zero (kubeadm would silently mask them). */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, message: `"${text}" is not a CIDR (missing /prefix)`, hint: `for example ${text}/16` };
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const ip = ipToBigInt(address);
  if (!ip) return { ok: false, message: `"${text}" is not a CIDR: "${address}" is not an IP address` };
  const bits = bitsOf(ip.family);
  if (!/^\d+$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, message: `"${text}" is not a CIDR: prefix must be 0-${bits}` };
  }
  const prefix = Number(prefixText);
  const network = ip.value & maskOf(prefix, bits);
  if (network !== ip.value) {
    const fixed = `${bigIntToIp(network, ip.family)}/${prefix}`;
    return { ok: false, message: `"${text}" has host bits set`, hint: `did you mean ${fixed}?` };
  }
  return { ok: true, cidr: { family: ip.family, network, prefix, text } };
}

function maskOf(prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all << BigInt(bits - prefix)) & all;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  const mask = maskOf(shorter, bitsOf(a.family));
  return (a.network & mask) === (b.network & mask);
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = ipToBigInt(address);
  if (!ip || ip.family !== cidr.family) return false;
  return (ip.value & maskOf(cidr.prefix, bitsOf(cidr.family))) === cidr.network;
}
