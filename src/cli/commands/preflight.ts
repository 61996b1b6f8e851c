import type { Command } from 'commander';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { ExitCode, KinstallError } from '../../errors.js';
import { formatProblem, loadInventory } from '../../inventory/load.js';
import type { Inventory, ResolvedHost } from '../../inventory/types.js';
import { defaultLogFile, RunLog } from '../../log.js';
import { connectHosts } from '../../ssh/connect.js';
import type { RemoteHost } from '../../ssh/types.js';
import { applyFixes, formatPlan, planFixes } from '../../preflight/fix.js';
import { collectFacts, evaluate, exitCodeFor, unknownIgnoredIds, type CollectResult } from '../../preflight/run.js';
import type { PreflightReport } from '../../preflight/types.js';
import { redact } from '../../redact.js';
import { formatReportJson } from '../../report/json.js';
import { formatReportTable } from '../../report/table.js';

interface PreflightFlags {
  json?: boolean;
  fix?: boolean;
  hosts?: string;
  concurrency: string;
  log?: string;
}

function usage(message: string): KinstallError {
  return new KinstallError(message, { exitCode: ExitCode.usage });
}

function selectHosts(all: ResolvedHost[], flag: string | undefined): ResolvedHost[] {
  if (!flag) return all;
  const names = flag.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !all.some((h) => h.name === n));
  if (unknown.length) throw usage(`--hosts names unknown host(s): ${unknown.join(', ')} (inventory hosts: ${all.map((h) => h.name).join(', ')})`);
  return all.filter((h) => names.includes(h.name));
}

/** Connect, then gather facts, with listr2 progress on stderr when it is a terminal. */
async function connectAndCollect(inventory: Inventory, hosts: ResolvedHost[], log: RunLog, concurrency: number) {
  const state: { remotes: Map<string, RemoteHost>; failures: KinstallError[]; result?: CollectResult } = { remotes: new Map(), failures: [] };
  const tasks = new Listr(
    [
      {
        title: `Connecting to ${hosts.length} host(s)`,
        task: async (_ctx, task) => {
          let done = 0;
          const connected = await connectHosts(hosts, {
            log,
            concurrency,
            onProgress: (_host, s) => {
              if (s === 'connected' || s === 'failed') task.output = `${++done}/${hosts.length}`;
            },
          });
          state.remotes = connected.remotes;
          state.failures = connected.failures;
        },
      },
      {
        title: 'Gathering facts',
        task: async (_ctx, task) => {
          let done = 0;
          state.result = await collectFacts({
            inventory,
            hosts,
            remotes: state.remotes,
            log,
            connectFailures: state.failures,
            onHostDone: () => {
              task.output = `${++done}/${hosts.length}`;
            },
          });
        },
      },
    ],
    {
      renderer: process.stderr.isTTY ? 'default' : 'silent',
      // Progress goes to stderr so stdout carries only the report.
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
      exitOnError: true,
    },
  );
  await tasks.run();
  return { remotes: state.remotes, result: state.result! };
}

function printReport(report: PreflightReport, json: boolean): void {
  // Redacted like everything kinstall prints: check messages quote host output (a sudo
  // password or a token in a host's output must not reach a CI log through the report).
  if (json) process.stdout.write(redact(formatReportJson(report)));
  else process.stdout.write(redact(formatReportTable(report, { color: Boolean(process.stdout.isTTY) })));
}

export function registerPreflight(program: Command): void {
  program
    .command('preflight')
    .description('Audit the hosts for everything that would stop a kubeadm cluster (read-only unless --fix)')
    .argument('<inventory>', 'inventory YAML file')
    .option('--json', 'print one JSON report on stdout')
    .option('--fix', 'fix what is safe (swap, sysctls, modules, SELinux permissive, firewall ports), then re-check')
    .option('--hosts <names>', 'only these hosts (comma-separated inventory names)')
    .option('--concurrency <n>', 'hosts connected at once', '20')
    .option('--log <file>', 'run log file (default ./kinstall-logs/<cluster>-<time>.log)')
    .action(async (file: string, flags: PreflightFlags) => {
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw usage(`--concurrency must be a positive integer, got "${flags.concurrency}"`);
      const loaded = loadInventory(file);
      if (!loaded.ok) {
        for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        throw usage(`${file} is invalid (${loaded.problems.length} problem(s))`);
      }
      const { inventory } = loaded;
      const hosts = selectHosts(loaded.hosts, flags.hosts);
      const unknownIgnored = unknownIgnoredIds(inventory);
      if (unknownIgnored.length) process.stderr.write(`warning: preflight.ignore names unknown check id(s): ${unknownIgnored.join(', ')}\n`);

      const log = new RunLog(flags.log ?? defaultLogFile(inventory.metadata.name));
      let remotes = new Map<string, RemoteHost>();
      try {
        const first = await connectAndCollect(inventory, hosts, log, concurrency);
        remotes = first.remotes;
        let report = evaluate(inventory, hosts, first.result);
        if (flags.fix) {
          const plans = planFixes(inventory, first.result.collected, report);
          // With --json, stdout holds only the final report; the plan and fix output go to stderr.
          const say = (text: string) => (flags.json ? process.stderr : process.stdout).write(redact(text));
          say(`--fix plan:\n${formatPlan(plans)}`);
          const outcomes = await applyFixes(plans, remotes);
          for (const o of outcomes) say(`${o.host}: ${o.ok ? 'fixed' : 'FIX FAILED'}\n${o.output ? `${o.output.replace(/^/gm, '  ')}\n` : ''}`);
          say('re-checking after --fix:\n');
          const again = await collectFacts({ inventory, hosts, remotes, log, connectFailures: [] });
          // Hosts unreachable the first time stay reported as such.
          again.unreachable.push(...first.result.unreachable.filter((u) => !again.unreachable.some((a) => a.host.name === u.host.name)));
          report = evaluate(inventory, hosts, again);
        }
        printReport(report, Boolean(flags.json));
        if (log.file) process.stderr.write(`run log: ${log.file}\n`);
        process.exitCode = exitCodeFor(report);
      } finally {
        await Promise.all([...remotes.values()].map((r) => r.close().catch(() => undefined)));
        log.close();
      }
    });
}
