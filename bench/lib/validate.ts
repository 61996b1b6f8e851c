import fs from 'node:fs';
import path from 'node:path';
import { parseFacts } from '../../src/preflight/facts.js';
import { reachableCheckId } from '../../src/preflight/checks.js';
import type { PreflightReport } from '../../src/preflight/types.js';

/**
 * Each tool must have done the work on every host, or its time means nothing: these count the
 * hosts whose result is really there.
 */
export function kinstallHostsReached(jsonStdout: string): number {
  const report = JSON.parse(jsonStdout) as PreflightReport;
  return report.hosts.filter((h) => !h.checks.some((c) => c.id === reachableCheckId && c.status === 'fail')).length;
}

/** Floor outputs that parse as complete facts (the same parser kinstall uses). */
export function floorHostsReached(outDir: string): number {
  let ok = 0;
  for (const f of fs.readdirSync(outDir).filter((n) => n.endsWith('.out'))) {
    try {
      parseFacts(fs.readFileSync(path.join(outDir, f), 'utf8'));
      ok++;
    } catch {
      // incomplete output: not counted
    }
  }
  return ok;
}
