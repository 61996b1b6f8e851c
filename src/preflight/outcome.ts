import type { CheckOutcome } from './types.js';

export const pass = (message: string): CheckOutcome => ({ status: 'pass', message, fix: '' });
export const skip = (message: string): CheckOutcome => ({ status: 'skip', message, fix: '' });
export const warn = (message: string, fix = ''): CheckOutcome => ({ status: 'warn', message, fix });
export const fail = (message: string, fix: string): CheckOutcome => ({ status: 'fail', message, fix });

/** "2.0 GiB" from kB. */
export function gib(kb: number): string {
  return `${(kb / 1048576).toFixed(1)} GiB`;
}
