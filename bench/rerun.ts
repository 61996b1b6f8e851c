/**
 * npm run bench:rerun — the cost of a no-op `kinstall up` on a converged 3-host lab cluster, and
 * the parallel speed-up of a fresh `up` on 1 host vs 3. Env: BENCH_ROUNDS (3 re-runs), LAB_DIR,
 * BENCH_FRESH=0 to skip the fresh installs (they reset the lab cluster first) and only time re-runs.
 * Brings the 3-host lab up when it is not healthy, and then also takes it down at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../src/paths.js';
import { buildKinstall } from './lib/kinstall-build.js';
import { labDir, loadOrFail, npmRun } from './lib/lab.js';
import { measure } from './lib/measure.js';
import { markdownTable, median, parseStatsFile, ratio, seconds, summarizeStats } from './lib/summary.js';
import { parseRunLogCommands, parseUpSummary, writingCommands } from './lib/up-output.js';

const env = process.env;
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const fresh = env.BENCH_FRESH !== '0';
const upTimeoutMs = 1_800_000;

function say(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

interface UpRun {
  label: string;
  wallMs: number;
  exitCode: number;
  changedHostSteps: number;
  failedHostSteps: number;
  writing: string[];
  commandsPerHost: number;
  sessionsPerHost: number;
}

async function kinstall(bin: string, dir: string, label: string, args: string[]): Promise<UpRun> {
  const runDir = path.join(dir, label);
  fs.mkdirSync(runDir, { recursive: true });
  const log = path.join(runDir, 'run.log');
  const statsFile = path.join(runDir, 'stats.json');
  // One kubeconfig path for every run: a re-run must find the operator's file already current
  // (a per-run path would count as a change of the kubeconfig step every time).
  const kubeconfig = path.join(dir, 'lab.kubeconfig');
  const upArgs = args[0] === 'up' ? ['--kubeconfig', kubeconfig] : [];
  const m = await measure([process.execPath, bin, ...args, ...upArgs, '--log', log], { env: { ...env, KINSTALL_STATS_FILE: statsFile }, cwd: runDir, timeoutMs: upTimeoutMs });
  fs.writeFileSync(path.join(runDir, 'stdout'), m.stdout);
  fs.writeFileSync(path.join(runDir, 'stderr'), m.stderr);
  const steps = parseUpSummary(m.stdout);
  const commands = fs.existsSync(log) ? parseRunLogCommands(fs.readFileSync(log, 'utf8')) : [];
  const stats = fs.existsSync(statsFile) ? summarizeStats(parseStatsFile(fs.readFileSync(statsFile, 'utf8'))) : undefined;
  const run: UpRun = {
    label,
    wallMs: m.wallMs,
    exitCode: m.timedOut ? 124 : m.exitCode,
    changedHostSteps: steps.reduce((a, s) => a + s.changed, 0),
    failedHostSteps: steps.reduce((a, s) => a + s.failed, 0),
    writing: writingCommands(commands).map((c) => `${c.host}: ${c.label}`),
    commandsPerHost: stats?.maxCommands ?? NaN,
    sessionsPerHost: stats?.maxSessions ?? NaN,
  };
  say(`${label}: ${seconds(run.wallMs)}, exit ${run.exitCode}, ${run.changedHostSteps} host-step(s) changed, ${run.writing.length} writing command(s)`);
  if (run.exitCode !== 0) say(`${label} failed; see ${runDir}/stdout and stderr:\n${m.stdout.slice(-1500)}${m.stderr.slice(-800)}`);
  return run;
}

/** The lab inventory cut down to its first control plane: the 1-host cluster of the speed-up run. */
function oneHostInventory(file: string, out: string): string {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { hosts: { roles?: string[] }[] };
  const cp = doc.hosts.find((h) => h.roles?.includes('control-plane'));
  if (!cp) throw new Error(`${file} has no control-plane host`);
  doc.hosts = [cp];
  fs.writeFileSync(out, stringify(doc));
  return out;
}

function mustSucceed(run: UpRun): UpRun {
  if (run.exitCode !== 0) throw new Error(`${run.label} failed (exit ${run.exitCode}): kinstall up does not work against the lab yet, see the output above`);
  return run;
}

async function main(): Promise<void> {
  say('building kinstall (tsc → bench/out/kinstall)');
  const bin = buildKinstall(env);
  let broughtUp = false;
  if (npmRun('lab:health') !== 0) {
    say('3-host lab not healthy: npm run lab:up');
    broughtUp = true;
    if (npmRun('lab:up') !== 0) throw new Error('npm run lab:up failed');
  }
  try {
    const inv3 = path.join(labDir(env), 'inventory.yaml');
    const hostCount = loadOrFail(inv3).hosts.length;
    const dir = path.join(projectRoot, 'bench', 'out', `rerun-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    fs.mkdirSync(dir, { recursive: true });
    const inv1 = oneHostInventory(inv3, path.join(dir, 'inventory-1host.yaml'));
    const rows: string[][] = [['run', 'wall', 'exit', 'host-steps changed', 'writing commands', 'commands per host (max)']];
    const row = (r: UpRun) => rows.push([r.label, seconds(r.wallMs), String(r.exitCode), String(r.changedHostSteps), String(r.writing.length), String(r.commandsPerHost)]);
    let fresh1: UpRun | undefined;
    let fresh3: UpRun | undefined;
    if (fresh) {
      // Fresh installs start from reset hosts (packages removed too), so both pay the same work.
      mustSucceed(await kinstall(bin, dir, 'reset-all', ['reset', '--yes', '--remove-packages', inv3]));
      fresh1 = mustSucceed(await kinstall(bin, dir, 'fresh-up-1-host', ['up', '--yes', inv1]));
      row(fresh1);
      mustSucceed(await kinstall(bin, dir, 'reset-1-host', ['reset', '--yes', '--remove-packages', inv1]));
      fresh3 = mustSucceed(await kinstall(bin, dir, `fresh-up-${hostCount}-hosts`, ['up', '--yes', inv3]));
      row(fresh3);
    } else {
      // Converge first, in case the cluster is not there yet; the timed re-runs follow.
      mustSucceed(await kinstall(bin, dir, 'converge', ['up', '--yes', inv3]));
    }
    const reruns: UpRun[] = [];
    for (let i = 1; i <= rounds; i++) reruns.push(await kinstall(bin, dir, `re-run-${i}`, ['up', '--yes', inv3]));
    reruns.forEach(row);
    const writing = reruns.flatMap((r) => r.writing);
    const lines = [
      `kinstall up on the ${hostCount}-host lab (${inv3}); ${rounds} re-run(s)${fresh ? ', fresh installs after reset --remove-packages' : ''}`,
      '',
      markdownTable(rows),
      '',
      markdownTable([
        ['measure', 'value', 'goal'],
        ['re-run median wall', seconds(median(reruns.map((r) => r.wallMs))), ''],
        ['host-steps changed over all re-runs (runner summary)', String(reruns.reduce((a, r) => a + r.changedHostSteps, 0)), '0'],
        ['writing remote commands over all re-runs (run log)', String(writing.length), '0'],
        ...(fresh1 && fresh3
          ? [[`parallel speed-up: (1-host wall × ${hostCount}) / ${hostCount}-host wall`, ratio(fresh1.wallMs * hostCount, fresh3.wallMs), `${hostCount}x = perfectly parallel`], [`fresh up: ${hostCount}-host wall / 1-host wall`, ratio(fresh3.wallMs, fresh1.wallMs), 'close to 1x']]
          : []),
      ]),
      ...(writing.length ? ['', `writing commands seen in re-runs: ${[...new Set(writing)].join('; ')}`] : []),
    ];
    const text = lines.join('\n');
    fs.writeFileSync(path.join(dir, 'report.md'), `${text}\n`);
    process.stdout.write(`${text}\n\nraw data: ${dir}\n`);
  } finally {
    if (broughtUp) {
      say('taking down the lab this benchmark started');
      npmRun('lab:down');
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:rerun failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
