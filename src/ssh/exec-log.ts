import { replaceSecrets } from '../redact.js';
/** How much of each output stream goes to the run log: enough to debug, small enough to read. */
export const logStreamLimit = 4096;

/** Replace every occurrence of each secret (the one replacement rule, src/redact.ts). */
export const redactSecrets = replaceSecrets;

export function truncateForLog(text: string, limit = logStreamLimit): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n... (${text.length - limit} more characters not logged)`;
}

export interface ExecLogRecord {
  label: string;
  sudo: boolean;
  script: string;
  code: number;
  durationMs: number;
  stdinBytes: number;
  stdout: string;
  stderr: string;
}

/**
 * One run-log entry per remote command. Redaction happens before truncation so a secret cut in
 * half at the limit can never leak its first part.
 */
export function formatExecLog(r: ExecLogRecord, secrets: readonly string[]): string {
  const clean = (t: string) => truncateForLog(redactSecrets(t, secrets));
  const head = `${r.label}${r.sudo ? ' (sudo)' : ''}: exit ${r.code} in ${r.durationMs} ms, stdin ${r.stdinBytes} bytes`;
  const parts = [head, `--- script\n${clean(r.script).trimEnd()}`];
  if (r.stdout) parts.push(`--- stdout\n${clean(r.stdout).trimEnd()}`);
  if (r.stderr) parts.push(`--- stderr\n${clean(r.stderr).trimEnd()}`);
  return parts.join('\n');
}
