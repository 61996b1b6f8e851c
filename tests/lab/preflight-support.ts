import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labScript, repoRoot, run, type LabDescription, type Result } from './lab-support.js';

/** Helpers for the preflight acceptance tests: the real CLI, its JSON report, lab faults. */

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface JsonCheck {
  id: string;
  status: Status;
  message: string;
  fix: string;
}
export interface JsonClusterCheck {
  id: string;
  status: Status;
  message: string;
  hosts: string[];
}
export interface JsonReport {
  hosts: { name: string; address: string; checks: JsonCheck[] }[];
  cluster: JsonClusterCheck[];
  summary: { pass: number; warn: number; fail: number };
}

export interface CliRun extends Result {
  /** The parsed --json report (undefined without --json). */
  report?: JsonReport;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * `npm run build`, unless dist/ is already newer than every source file: each test file builds in
 * its own beforeAll, and a full tsc build takes ~15 s on this machine.
 */
export function buildCli(): void {
  const main = path.join(repoRoot, 'dist', 'cli', 'main.js');
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs > newestMtime(path.join(repoRoot, 'src'))) return;
  const r = run('npm', ['run', 'build', '--silent'], {});
  if (r.code !== 0) throw new Error(`npm run build exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

/** The real CLI: `node bin/kinstall.js preflight INVENTORY ...args`; --json output is parsed. */
export function preflight(inventory: string, args: string[] = ['--json'], env: NodeJS.ProcessEnv = {}): CliRun {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-preflight-log-'));
  const r = run('node', [path.join(repoRoot, 'bin', 'kinstall.js'), 'preflight', inventory, '--log', path.join(logDir, 'run.log'), ...args], { env });
  fs.rmSync(logDir, { recursive: true, force: true });
  if (!args.includes('--json')) return r;
  let report: JsonReport;
  try {
    report = JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`preflight --json (exit ${r.code}) did not print one JSON document:\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, report };
}

/** Every check's status, keyed `host/id` for host checks and `cluster/id` for cluster checks. */
export function statuses(report: JsonReport): Map<string, Status> {
  const out = new Map<string, Status>();
  for (const h of report.hosts) for (const c of h.checks) out.set(`${h.name}/${c.id}`, c.status);
  for (const c of report.cluster) out.set(`cluster/${c.id}`, c.status);
  return out;
}

/** The keys whose status differs between two reports, as `key: before -> after`. */
export function changedStatuses(before: JsonReport, after: JsonReport): string[] {
  const a = statuses(before);
  const b = statuses(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? 'absent'} -> ${b.get(k) ?? 'absent'}`);
}

export function hostCheck(report: JsonReport, host: string, id: string): JsonCheck {
  const c = report.hosts.find((h) => h.name === host)?.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} for host ${host} in the report`);
  return c;
}

export function clusterCheck(report: JsonReport, id: string): JsonClusterCheck {
  const c = report.cluster.find((x) => x.id === id);
  if (!c) throw new Error(`no cluster check ${id} in the report`);
  return c;
}

/**
 * A copy of the lab inventory in a fresh temp dir, edited by `edit` (plain text edits of the
 * generated file; key and known_hosts paths in it are already absolute). Returns its path.
 */
export function variantInventory(l: LabDescription, edit: (text: string, dir: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-inventory-'));
  const original = fs.readFileSync(l.inventory, 'utf8');
  const edited = edit(original, dir);
  if (edited === original) throw new Error('variantInventory: the edit changed nothing (the lab inventory format changed?)');
  const file = path.join(dir, 'inventory.yaml');
  fs.writeFileSync(file, edited);
  return file;
}

/** Replaces exactly one match of `pattern` (so a changed inventory format fails loudly). */
export function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`));
  if (matches?.length !== 1) throw new Error(`expected exactly one match of ${pattern} in the inventory, found ${matches?.length ?? 0}`);
  return text.replace(pattern, replacement);
}

/**
 * Faults set by the current test; `clearFaults()` (in afterEach) clears each, even when one clear
 * fails, so the shared lab is left healthy for the other engineers' tests.
 */
export class FaultTracker {
  private readonly set: { host: string; fault: string }[] = [];

  inject(host: string, fault: string): void {
    this.set.push({ host, fault });
    labScript('fault', [host, fault]);
  }

  clearFaults(): void {
    const errors: unknown[] = [];
    while (this.set.length) {
      const { host, fault } = this.set.pop()!;
      try {
        labScript('fault', [host, fault, '--clear']);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'clearing lab faults failed');
  }
}
