/** Minimal IPv4 CIDR arithmetic for the subnet-overlap check. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

function toNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** "10.0.0.0/8" or a bare address (a /32); undefined when it is not IPv4. */
export function parseCidr(text: string): Ipv4Net | undefined {
  const [address = '', prefixText = '32'] = text.split('/');
  const n = toNumber(address);
  const prefix = Number(prefixText);
  if (n === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(n / size) * size, prefix };
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}
