/**
 * Which connection failures are worth another attempt. Transient network trouble (a host still
 * booting refuses or resets, a congested link times out) is retried; authentication and host-key
 * failures are answers, not accidents, so retrying them would only delay the error.
 */
export type ConnectFailureKind =
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'unreachable'
  | 'dns'
  | 'auth'
  | 'hostkey'
  | 'other';

const byCode: Record<string, ConnectFailureKind> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
};

const retryable = new Set<ConnectFailureKind>(['refused', 'reset', 'timeout', 'unreachable']);

export function classifyConnectError(err: unknown): { kind: ConnectFailureKind; retryable: boolean } {
  const e = (err ?? {}) as { code?: unknown; level?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  let kind: ConnectFailureKind = 'other';
  if (typeof e.code === 'string' && byCode[e.code]) kind = byCode[e.code]!;
  else if (e.level === 'client-authentication' || /authentication methods failed/i.test(message)) kind = 'auth';
  else if (e.level === 'client-timeout' || /timed out while waiting for handshake/i.test(message)) kind = 'timeout';
  else if (/host denied|verification failed/i.test(message)) kind = 'hostkey';
  else if (/connection reset|connection lost before handshake/i.test(message)) kind = 'reset';
  return { kind, retryable: retryable.has(kind) };
}

/**
 * Delay before retry number `attempt` (0-based): exponential from baseMs, capped at maxMs, with
 * "equal jitter" (half fixed, half random) so hosts that failed together do not retry in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  opts: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 8000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
