import { ExitCode, KinstallError } from '../errors.js';
import type { RunLog } from '../log.js';
import type { Inventory, ResolvedHost } from '../inventory/types.js';
import type { RemoteHost } from '../ssh/types.js';
import { checkIds, clusterChecks, hostChecks, reachableCheckId } from './checks.js';
import { FactsParseError, parseFacts, renderFactsScript } from './facts.js';
import type { CheckOutcome, ClusterCheckResult, CollectedHost, HostCheckResult, PreflightReport } from './types.js';

export interface UnreachableHost {
  host: ResolvedHost;
  message: string;
  hint?: string;
}

export interface CollectResult {
  collected: CollectedHost[];
  unreachable: UnreachableHost[];
}

export interface CollectOptions {
  inventory: Inventory;
  hosts: ResolvedHost[];
  remotes: Map<string, RemoteHost>;
  log: RunLog;
  /** Limit the audit to these host names (the CLI's --hosts). */
  onlyHosts?: string[];
  /** Connection failures from connectHosts, so those hosts are reported with their reason. */
  connectFailures?: KinstallError[];
  onHostDone?: (host: string, ok: boolean) => void;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** Runs the facts script once per reachable host (all in parallel: each host has its own connection). */
export async function collectFacts(opts: CollectOptions): Promise<CollectResult> {
  const selected = opts.onlyHosts ? opts.hosts.filter((h) => opts.onlyHosts!.includes(h.name)) : opts.hosts;
  const script = renderFactsScript(opts.inventory);
  const collected: CollectedHost[] = [];
  const unreachable: UnreachableHost[] = [];

  await Promise.all(
    selected.map(async (host) => {
      const remote = opts.remotes.get(host.name);
      if (!remote) {
        const failure = opts.connectFailures?.find((f) => f.host === host.name);
        unreachable.push({ host, message: failure?.message ?? 'no SSH connection', ...(failure?.hint ? { hint: failure.hint } : {}) });
        opts.onHostDone?.(host.name, false);
        return;
      }
      try {
        const result = await remote.exec(script, { sudo: true, label: 'preflight facts' });
        const returnedAt = Date.now() / 1000;
        const facts = parseFacts(result.stdout);
        // The script samples its clock last, so comparing with the moment the output arrived
        // leaves only the one-way latency and the 1 s granularity as error.
        const clockOffsetSeconds = facts.epoch === undefined ? 0 : facts.epoch - returnedAt;
        collected.push({ host, facts, clockOffsetSeconds });
        opts.onHostDone?.(host.name, true);
      } catch (err) {
        if (err instanceof KinstallError) {
          unreachable.push({ host, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
        } else if (err instanceof FactsParseError) {
          opts.log.write(host.name, 'preflight facts', `unparseable facts output: ${err.message}`);
          unreachable.push({ host, message: `connected, but the facts script failed: ${err.message}`, hint: `see the run log${opts.log.file ? ` ${opts.log.file}` : ''} for its output` });
        } else {
          unreachable.push({ host, message: `connected, but running the facts script failed: ${lastLine(String((err as Error)?.message ?? err))}` });
        }
        opts.onHostDone?.(host.name, false);
      }
    }),
  );
  return { collected, unreachable };
}

/** preflight.ignore turns a failure into a warning and says so. */
function applyIgnore<T extends { id: string; status: CheckOutcome['status']; message: string }>(result: T, ignore: string[]): T {
  if (result.status !== 'fail' || !ignore.includes(result.id)) return result;
  return { ...result, status: 'warn', message: `ignored by preflight.ignore: ${result.message}` };
}

/** Runs every check over collected facts: pure, so tests drive it with recorded facts. */
export function evaluate(inventory: Inventory, hosts: ResolvedHost[], result: CollectResult): PreflightReport {
  const ignore = inventory.preflight.ignore;
  const report: PreflightReport = { hosts: [], cluster: [], summary: { pass: 0, warn: 0, fail: 0 } };
  for (const host of hosts) {
    const down = result.unreachable.find((u) => u.host.name === host.name);
    const up = result.collected.find((c) => c.host.name === host.name);
    if (!down && !up) continue; // not selected with --hosts
    let checks: HostCheckResult[];
    if (down) {
      checks = [{ id: reachableCheckId, status: 'fail', message: down.message, fix: down.hint ?? 'check the address, SSH settings and credentials in the inventory' }];
    } else {
      checks = hostChecks.map((check) => {
        let outcome: CheckOutcome;
        try {
          outcome = check.run({ host, facts: up!.facts, inventory });
        } catch (err) {
          // A check bug must not hide the other checks' results.
          outcome = { status: 'fail', message: `check crashed: ${(err as Error).message}`, fix: 'report this as a kinstall bug' };
        }
        return applyIgnore({ id: check.id, ...outcome }, ignore);
      });
    }
    report.hosts.push({ name: host.name, address: host.address, checks });
  }
  const ordered = hosts.map((h) => result.collected.find((c) => c.host.name === h.name)).filter((c): c is CollectedHost => c !== undefined);
  report.cluster = clusterChecks.map((check): ClusterCheckResult =>
    ordered.length === 0
      ? { id: check.id, status: 'skip', message: 'no host could be audited', hosts: [] }
      : applyIgnore({ id: check.id, ...check.run(ordered, inventory) }, ignore),
  );
  for (const r of [...report.hosts.flatMap((h) => h.checks), ...report.cluster]) {
    if (r.status !== 'skip') report.summary[r.status] += 1;
  }
  return report;
}

export interface RunPreflightOptions extends CollectOptions {}

/** Facts from every host, then every check: the report `kinstall preflight --json` prints. */
export async function runPreflight(opts: RunPreflightOptions): Promise<PreflightReport> {
  const result = await collectFacts(opts);
  return evaluate(opts.inventory, opts.hosts, result);
}

/** 3 when a host could not be audited, 1 when a check failed, else 0 (README: exit codes). */
export function exitCodeFor(report: PreflightReport): ExitCode {
  const checks = report.hosts.flatMap((h) => h.checks);
  if (checks.some((c) => c.id === reachableCheckId && c.status === 'fail')) return ExitCode.unreachable;
  if ([...checks, ...report.cluster].some((c) => c.status === 'fail')) return ExitCode.checksFailed;
  return ExitCode.ok;
}

/** preflight.ignore entries that name no check (the CLI warns; validation may reject them). */
export function unknownIgnoredIds(inventory: Inventory): string[] {
  return inventory.preflight.ignore.filter((id) => !checkIds.includes(id));
}
