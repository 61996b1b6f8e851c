import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/inventory/addresses.js';
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from '../../../src/inventory/cidr.js';
import { closestMatch, editDistance } from '../../../src/inventory/closest.js';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cidr;
};

describe('CIDR math', () => {
  it('parses IPv4 and IPv6 blocks', () => {
    expect(cidr('10.244.0.0/16')).toMatchObject({ family: 4, prefix: 16, network: 0x0af40000n });
    expect(cidr('fd00:10:244::/56')).toMatchObject({ family: 6, prefix: 56 });
    expect(cidr('0.0.0.0/0')).toMatchObject({ prefix: 0, network: 0n });
  });

  it('rejects malformed blocks and host bits', () => {
    expect(parseCidr('10.244.0.0')).toMatchObject({ ok: false, message: '"10.244.0.0" is not a CIDR (missing /prefix)' });
    expect(parseCidr('10.244.0/16')).toMatchObject({ ok: false });
    expect(parseCidr('10.244.0.0/x')).toMatchObject({ ok: false });
    expect(parseCidr('fd00::/129')).toMatchObject({ ok: false, message: '"fd00::/129" is not a CIDR: prefix must be 0-128' });
    expect(parseCidr('10.96.5.0/12')).toEqual({ ok: false, message: '"10.96.5.0/12" has host bits set', hint: 'did you mean 10.96.0.0/12?' });
    expect(parseCidr('fd00::1/64')).toEqual({ ok: false, message: '"fd00::1/64" has host bits set', hint: 'did you mean fd00::/64?' });
  });

  it('overlap is symmetric, by family, at the edges', () => {
    expect(cidrsOverlap(cidr('10.96.0.0/12'), cidr('10.100.0.0/16'))).toBe(true);
    expect(cidrsOverlap(cidr('10.100.0.0/16'), cidr('10.96.0.0/12'))).toBe(true);
    expect(cidrsOverlap(cidr('10.96.0.0/12'), cidr('10.112.0.0/12'))).toBe(false); // adjacent
    expect(cidrsOverlap(cidr('10.244.0.0/16'), cidr('10.96.0.0/12'))).toBe(false);
    expect(cidrsOverlap(cidr('0.0.0.0/0'), cidr('fd00::/8'))).toBe(false);
  });

  it('containment, first and last addresses included', () => {
    const block = cidr('10.96.0.0/12');
    expect(cidrContains(block, '10.96.0.0')).toBe(true);
    expect(cidrContains(block, '10.111.255.255')).toBe(true);
    expect(cidrContains(block, '10.112.0.0')).toBe(false);
    expect(cidrContains(block, 'fd00::1')).toBe(false);
    expect(cidrContains(block, 'node1.example.com')).toBe(false);
    expect(cidrContains(cidr('fd00:10::/32'), 'fd00:10:ffff::1')).toBe(true);
    expect(cidrContains(cidr('::ffff:0:0/96'), '::ffff:10.0.0.1')).toBe(true);
  });
});

describe('closest known key', () => {
  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Version', 'version')).toBe(0);
  });

  it('suggests plausible typos only', () => {
    expect(closestMatch('verison', ['version', 'podSubnet'])).toBe('version');
    expect(closestMatch('servicesubnet', ['podSubnet', 'serviceSubnet'])).toBe('serviceSubnet');
    expect(closestMatch('flavour', ['plugin'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });
});

describe('address classification', () => {
  it.each([
    ['10.0.0.1', true],
    ['fd00::1', true],
    ['node1.example.com', true],
    ['node1', true],
    ['192.168.1.300', false],
    ['192.168.1', false],
    ['fe80::1::2', false],
    ['-bad.example', false],
    ['under_score', false],
  ])('%s valid=%s', (address, ok) => {
    expect(classifyAddress(address).ok).toBe(ok);
  });
});
