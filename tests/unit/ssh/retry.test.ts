import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyConnectError } from '../../../src/ssh/retry.js';

const withCode = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
const withLevel = (level: string, message: string) => Object.assign(new Error(message), { level });

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
  ])('retries %s', (code, kind) => {
    expect(classifyConnectError(withCode(code))).toEqual({ kind, retryable: true });
  });

  it('retries ssh2 handshake timeouts', () => {
    expect(classifyConnectError(withLevel('client-timeout', 'Timed out while waiting for handshake'))).toEqual({ kind: 'timeout', retryable: true });
  });

  it('does not retry authentication, host key or DNS failures', () => {
    expect(classifyConnectError(withLevel('client-authentication', 'All configured authentication methods failed'))).toEqual({ kind: 'auth', retryable: false });
    expect(classifyConnectError(withLevel('handshake', 'Host denied (verification failed)'))).toEqual({ kind: 'hostkey', retryable: false });
    expect(classifyConnectError(withCode('ENOTFOUND'))).toEqual({ kind: 'dns', retryable: false });
    expect(classifyConnectError(new Error('something odd'))).toEqual({ kind: 'other', retryable: false });
    expect(classifyConnectError(undefined).retryable).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('doubles per attempt between half and all of the ceiling, capped', () => {
    const low = () => 0;
    const high = () => 1;
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, { baseMs: 100, maxMs: 10_000, random: low }))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, { baseMs: 100, maxMs: 10_000, random: high }))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(20, { baseMs: 100, maxMs: 1000, random: high })).toBe(1000);
    expect(backoffDelayMs(20, { baseMs: 100, maxMs: 1000, random: low })).toBe(500);
  });

  it('spreads hosts that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(2000);
    for (const d of delays) expect(d).toBeLessThanOrEqual(4000);
  });
});
