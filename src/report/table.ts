import type { CheckStatus, PreflightReport } from '../preflight/types.js';

export interface TableOptions {
  /** ANSI colours; the CLI turns them on only when stdout is a TTY. */
  color: boolean;
}

const colors: Record<CheckStatus, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skip: '\x1b[2m' };
const reset = '\x1b[0m';

function paint(status: CheckStatus, text: string, opts: TableOptions): string {
  return opts.color ? `${colors[status]}${text}${reset}` : text;
}

function rows(lines: [string, CheckStatus, string][], opts: TableOptions): string[] {
  const width = Math.max(5, ...lines.map(([id]) => id.length));
  return lines.map(([id, status, message]) => `  ${id.padEnd(width)}  ${paint(status, status.padEnd(4), opts)}  ${message}`);
}

/** A table per host (check, status, message), the fixes under each host's failures, then cluster checks. */
export function formatReportTable(report: PreflightReport, opts: TableOptions): string {
  const out: string[] = [];
  for (const host of report.hosts) {
    out.push(`${host.name} (${host.address})`);
    out.push(...rows(host.checks.map((c) => [c.id, c.status, c.message]), opts));
    const fixes = host.checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && c.fix);
    if (fixes.length) {
      out.push('  how to fix:');
      for (const c of fixes) out.push(`    ${c.id}: ${c.fix}`);
    }
    out.push('');
  }
  if (report.cluster.length) {
    out.push('cluster');
    out.push(...rows(report.cluster.map((c) => [c.id, c.status, c.status === 'pass' ? c.message : `${c.message} [${c.hosts.join(', ')}]`]), opts));
    out.push('');
  }
  const { pass, warn, fail } = report.summary;
  out.push(`summary: ${paint('pass', `${pass} passed`, opts)}, ${paint('warn', `${warn} warnings`, opts)}, ${paint('fail', `${fail} failed`, opts)}`);
  return `${out.join('\n')}\n`;
}
