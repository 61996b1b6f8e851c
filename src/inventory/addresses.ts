import { isIP } from 'node:net';
import { isDnsName } from './grammar.js';

export { isDnsName };

export type AddressKind = 'ipv4' | 'ipv6' | 'dns';

/**
 * Classifies an SSH address: an IP, or a DNS name. Things that look like an attempt at an IP
 * (only digits and dots, or containing ':') but are not valid are errors rather than DNS names:
 * 192.168.1.300 is a typo, not a host called "192.168.1.300".
 */
export function classifyAddress(address: string): { ok: true; kind: AddressKind } | { ok: false; message: string } {
  const family = isIP(address);
  if (family === 4) return { ok: true, kind: 'ipv4' };
  if (family === 6) return { ok: true, kind: 'ipv6' };
  if (/^[\d.]+$/.test(address)) return { ok: false, message: `"${address}" is not a valid IPv4 address` };
  if (address.includes(':')) return { ok: false, message: `"${address}" is not a valid IPv6 address` };
  if (isDnsName(address)) return { ok: true, kind: 'dns' };
  return { ok: false, message: `"${address}" is neither an IP address nor a valid DNS name` };
}

/** Kubernetes node names: lowercase RFC 1123 subdomain. */
export function isNodeName(name: string): boolean {
  return name === name.toLowerCase() && isDnsName(name);
}
