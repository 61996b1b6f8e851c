/**
 * npm run bench:preflight — kinstall preflight vs Ansible fact gathering vs the raw-OpenSSH floor
 * over the lab's many-hosts mode (see bench/RESULTS.md). Env: BENCH_ROUNDS (3), BENCH_PARALLEL
 * (20: Ansible forks, xargs -P and kinstall --concurrency), LAB_MANY (50), LAB_DIR, and
 * BENCH_INVENTORY=file to use running hosts of your own (then no lab is started or stopped).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';
import { renderFactsScript } from '../src/preflight/facts.js';
import { ansibleEnv, ansibleInventory, emptyAnsibleConfig, ansibleSetupArgv, countAnsibleSuccesses, sharedKnownHosts } from './lib/ansible.js';
import { floorArgv, floorInput } from './lib/floor.js';
import { buildKinstall } from './lib/kinstall-build.js';
import { allSshPortsOpen, labDir, loadOrFail, npmRun, type LoadedInventory } from './lib/lab.js';
import { measure, type Measurement } from './lib/measure.js';
import { markdownTable, median, millis, parseStatsFile, ratio, roundTripsPerHost, seconds, summarizeStats, type StatsSummary } from './lib/summary.js';
import { floorHostsReached, kinstallHostsReached } from './lib/validate.js';
import { loginsBetween, snapshotLogins } from './lib/sshd-log.js';

type Tool = 'kinstall' | 'ansible' | 'floor';
const tools: Tool[] = ['kinstall', 'ansible', 'floor'];
const runTimeoutMs = 300_000;

interface Run extends Measurement {
  tool: Tool;
  round: number;
  hostsDone: number;
  stats?: StatsSummary;
  /** Logins per host as the hosts' sshd logged them during this run (many-hosts lab only). */
  sshdLogins?: number[];
}

const env = process.env;
const rounds = positiveInt(env.BENCH_ROUNDS, 3);
const parallel = positiveInt(env.BENCH_PARALLEL, 20);

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
}

function say(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

/** The many-hosts lab's inventory, brought up first when it is not running (then we also stop it). */
async function ensureHosts(): Promise<{ inv: LoadedInventory; broughtUp: boolean }> {
  if (env.BENCH_INVENTORY) return { inv: loadOrFail(path.resolve(env.BENCH_INVENTORY)), broughtUp: false };
  const file = path.join(labDir(env), 'many', 'inventory.yaml');
  if (fs.existsSync(file) && (await allSshPortsOpen(loadOrFail(file).hosts))) return { inv: loadOrFail(file), broughtUp: false };
  // Hosts of a many-hosts lab someone else started (even a half-up one) are theirs: up may repair
  // it, but then it is not ours to take down.
  const someoneElses = manyLabPresent();
  say(`many-hosts lab not running: npm run lab:many:up (LAB_MANY=${env.LAB_MANY ?? 50})`);
  const code = npmRun('lab:many:up', { ...env, LAB_MANY: env.LAB_MANY ?? '50' });
  // Whatever up managed to start is ours to stop, even when it failed half-way.
  if (code !== 0) {
    if (!someoneElses) npmRun('lab:many:down');
    throw new Error(`npm run lab:many:up failed (exit ${code})`);
  }
  return { inv: loadOrFail(file), broughtUp: !someoneElses };
}

/** Any trace of a running many-hosts lab: its network namespaces (kmany*). */
function manyLabPresent(): boolean {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return /^kmany/m.test(r.stdout ?? '');
}

function ensureAnsible(): void {
  if (spawnSync('sh', ['-c', 'command -v ansible']).status === 0) return;
  say('ansible missing: apt-get install -y --no-install-recommends ansible');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'ansible'], { stdio: ['ignore', 2, 2], timeout: 600_000 });
  if (r.status !== 0) throw new Error('installing Debian ansible failed (try apt-get update first)');
}

async function runOnce(tool: Tool, round: number, ctx: { inv: LoadedInventory; kinstallBin: string; work: string; scriptFile: string }): Promise<Run> {
  const { inv, work } = ctx;
  const dir = path.join(work, `${tool}-${round}`);
  fs.mkdirSync(dir, { recursive: true });
  if (tool === 'kinstall') {
    const statsFile = path.join(dir, 'stats.json');
    const argv = [process.execPath, ctx.kinstallBin, 'preflight', '--json', '--concurrency', String(parallel), '--log', path.join(dir, 'run.log'), inv.file];
    const sshdRunDir = path.join(path.dirname(inv.file), 'run');
    const names = inv.hosts.map((h) => h.name);
    const before = snapshotLogins(sshdRunDir, names);
    const m = await measure(argv, { env: { ...env, KINSTALL_STATS_FILE: statsFile }, cwd: dir, timeoutMs: runTimeoutMs });
    const sshdLogins = loginsBetween(before, snapshotLogins(sshdRunDir, names));
    const hostsDone = m.timedOut ? 0 : safe(() => kinstallHostsReached(m.stdout));
    const stats = fs.existsSync(statsFile) ? summarizeStats(parseStatsFile(fs.readFileSync(statsFile, 'utf8'))) : undefined;
    return { ...m, tool, round, hostsDone, ...(stats ? { stats } : {}), ...(sshdLogins.length ? { sshdLogins } : {}) };
  }
  if (tool === 'ansible') {
    const knownHostsFile = sharedKnownHosts(inv.hosts);
    const inventoryFile = path.join(work, 'ansible-inventory.yaml');
    const m = await measure(ansibleSetupArgv(parallel), { env: ansibleEnv({ inventoryFile, knownHostsFile, workDir: dir, emptyConfigFile: path.join(work, 'ansible.cfg') }), cwd: dir, timeoutMs: runTimeoutMs });
    return { ...m, tool, round, hostsDone: countAnsibleSuccesses(m.stdout) };
  }
  const outDir = path.join(dir, 'out');
  fs.mkdirSync(outDir);
  const argv = floorArgv({ parallel, scriptFile: ctx.scriptFile, outDir, knownHostsFile: sharedKnownHosts(inv.hosts) });
  const m = await measure(argv, { stdin: floorInput(inv.hosts), timeoutMs: runTimeoutMs });
  return { ...m, tool, round, hostsDone: floorHostsReached(outDir) };
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return 0;
  }
}

function report(runs: Run[], hosts: number, inv: LoadedInventory): string {
  const ok = (t: Tool) => runs.filter((r) => r.tool === t && r.hostsDone === hosts && !r.timedOut);
  const med = (t: Tool, f: (r: Run) => number) => median(ok(t).map(f));
  const wall = (t: Tool) => med(t, (r) => r.wallMs);
  const cpuPerHost = (t: Tool) => med(t, (r) => r.cpuMs / hosts);
  const kStats = ok('kinstall').map((r) => r.stats).filter((s): s is StatsSummary => s !== undefined);
  const worst = (f: (s: StatsSummary) => number) => (kStats.length ? Math.max(...kStats.map(f)) : NaN);
  const peakMb = (t: Tool) => (ok(t).length ? Math.max(...ok(t).map((r) => r.peakRssKb)) / 1024 : NaN);
  const mb = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} MB` : 'n/a');
  const rssMb = peakMb('kinstall');
  const lines: string[] = [];
  lines.push(`${hosts} hosts (${inv.file}), ${rounds} round(s) alternating, parallelism ${parallel}; valid runs: ${tools.map((t) => `${t} ${ok(t).length}/${rounds}`).join(', ')}`);
  lines.push('');
  lines.push(
    markdownTable([
      ['what ran over all hosts', 'median wall', 'controller CPU per host (median)', 'peak RSS, largest process (max)'],
      ['`kinstall preflight --json`', seconds(wall('kinstall')), millis(cpuPerHost('kinstall')), mb(rssMb)],
      [`\`ansible all -m setup -f ${parallel}\``, seconds(wall('ansible')), millis(cpuPerHost('ansible')), mb(peakMb('ansible'))],
      [`\`xargs -P ${parallel} ssh … sh -s < facts.sh\` (floor)`, seconds(wall('floor')), millis(cpuPerHost('floor')), mb(peakMb('floor'))],
    ]),
  );
  lines.push('');
  const goal = (pass: boolean) => (pass ? 'met' : 'MISSED');
  const speedup = wall('ansible') / wall('kinstall');
  const vsFloor = wall('kinstall') / wall('floor');
  const cpuSpeedup = cpuPerHost('ansible') / cpuPerHost('kinstall');
  const trips = worst(roundTripsPerHost);
  lines.push(
    markdownTable([
      ['measure', 'value', 'goal', ''],
      ['wall: ansible / kinstall', ratio(wall('ansible'), wall('kinstall')), '>= 10x', goal(speedup >= 10)],
      ['wall: kinstall / floor', ratio(wall('kinstall'), wall('floor')), '<= 1.15x (where the floor rules out 10x)', goal(vsFloor <= 1.15)],
      ['wall: ansible / floor (best any one-script-per-host tool can do here)', ratio(wall('ansible'), wall('floor')), '', ''],
      ['controller CPU per host: ansible / kinstall', ratio(cpuPerHost('ansible'), cpuPerHost('kinstall')), '>= 10x', goal(cpuSpeedup >= 10)],
      ['controller CPU per host: floor / kinstall', ratio(cpuPerHost('floor'), cpuPerHost('kinstall')), '', ''],
      ['kinstall SSH connections per host (counted, max)', String(worst((s) => s.maxConnections)), '', ''],
      ['kinstall SSH sessions per host (counted, max)', String(worst((s) => s.maxSessions)), '', ''],
      ['kinstall SSH logins per host as the hosts\' sshd logged them (max)', sshdMax(ok('kinstall'), hosts), '', ''],
      ['kinstall remote commands per host (counted, max)', String(worst((s) => s.maxCommands)), '', ''],
      ['kinstall round trips per host (connection + sessions)', String(trips), '<= 2', goal(trips <= 2)],
      ['kinstall peak RSS', mb(rssMb), '< 150 MB', goal(rssMb < 150)],
    ]),
  );
  const invalid = runs.filter((r) => r.hostsDone !== hosts || r.timedOut);
  for (const r of invalid) lines.push(`\nINVALID run (excluded): ${r.tool} round ${r.round}: ${r.hostsDone}/${hosts} hosts done, exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}; stderr tail: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return lines.join('\n');
}

/** The worst host's sshd-logged logins over the runs, or why there is no figure. */
function sshdMax(runs: Run[], hosts: number): string {
  const complete = runs.filter((r) => r.sshdLogins?.length === hosts);
  if (complete.length === 0) return 'n/a (no sshd logs)';
  return String(Math.max(...complete.flatMap((r) => r.sshdLogins!)));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) say('warning: not root: the cgroup CPU accounting falls back to rusage (misses orphaned ssh masters)');
  ensureAnsible();
  say('building kinstall (tsc → bench/out/kinstall)');
  const kinstallBin = buildKinstall(env);
  const { inv, broughtUp } = await ensureHosts();
  // An interrupted run must not leave behind a lab it started.
  const onSigint = () => {
    if (broughtUp) npmRun('lab:many:down');
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const work = path.join(projectRoot, 'bench', 'out', `preflight-${stamp}`);
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'ansible-inventory.yaml'), ansibleInventory(inv.hosts));
    fs.writeFileSync(path.join(work, 'ansible.cfg'), emptyAnsibleConfig);
    // The very script kinstall runs on each host, rendered by kinstall's own renderer.
    const scriptFile = path.join(work, 'facts.sh');
    fs.writeFileSync(scriptFile, renderFactsScript(inv.inventory));
    const runs: Run[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Rotating the order spreads any drift (caches, the hosts' own load) over all three tools.
      const order = tools.map((_, i) => tools[(i + round - 1) % tools.length]!);
      for (const tool of order) {
        const run = await runOnce(tool, round, { inv, kinstallBin, work, scriptFile });
        fs.writeFileSync(path.join(work, `${tool}-${round}`, 'stdout'), run.stdout);
        fs.writeFileSync(path.join(work, `${tool}-${round}`, 'stderr'), run.stderr);
        runs.push(run);
        say(`round ${round} ${tool}: ${seconds(run.wallMs)}, cpu ${millis(run.cpuMs)} (${run.cpuSource}), ${run.hostsDone}/${inv.hosts.length} hosts, exit ${run.exitCode}`);
      }
    }
    const text = report(runs, inv.hosts.length, inv);
    fs.writeFileSync(path.join(work, 'runs.json'), `${JSON.stringify(runs.map(({ stdout: _o, stderr: _e, ...r }) => r), null, 2)}\n`);
    fs.writeFileSync(path.join(work, 'report.md'), `${text}\n`);
    process.stdout.write(`${text}\n\nraw data: ${work}\n`);
  } finally {
    process.off('SIGINT', onSigint);
    if (broughtUp) {
      say('stopping the many-hosts lab this benchmark started');
      npmRun('lab:many:down');
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:preflight failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
