import type { PreflightReport } from '../preflight/types.js';

/** The --json document: exactly the report, one JSON document and a newline. */
export function formatReportJson(report: PreflightReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
