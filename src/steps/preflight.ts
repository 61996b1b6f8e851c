import { ExitCode, KinstallError } from '../errors.js';
import type { PreflightReport } from '../preflight/types.js';
import type { Step, StepContext } from './types.js';

/**
 * Failing checks that `up` itself remediates in prepare-host: blocking on them would only make the
 * operator run `preflight --fix` for what the next step does anyway. Not `firewall`: prepare-host
 * opens ports in firewalld/ufw only, and a raw iptables DROP must stay the operator's decision.
 */
export const fixedByPrepareHost = new Set([
  'swap',
  'selinux',
  'sysctl-ip-forward',
  'sysctl-bridge-nf-call-iptables',
  'sysctl-bridge-nf-call-ip6tables',
  'module-br_netfilter',
  'module-overlay',
]);

/**
 * On a host that is already a node (a re-run, or a run that was cut), these fail because of our own
 * earlier work: init and join skip members of this cluster, so they do not block `up`.
 */
const expectedOnExistingNode = new Set(['existing-cluster', 'ports']);

export interface Blocking {
  id: string;
  message: string;
  fix: string;
}

/** Pure: the failing checks of one host that stop `up`, given the whole report. */
export function blockingChecks(report: PreflightReport, host: string): Blocking[] {
  const entry = report.hosts.find((h) => h.name === host);
  const checks = entry?.checks ?? [];
  const existingNode = checks.some((c) => c.id === 'existing-cluster' && c.status === 'fail');
  const blocking: Blocking[] = checks
    .filter((c) => c.status === 'fail' && !fixedByPrepareHost.has(c.id) && !(existingNode && expectedOnExistingNode.has(c.id)))
    .map((c) => ({ id: c.id, message: c.message, fix: c.fix }));
  for (const c of report.cluster) {
    if (c.status === 'fail' && c.hosts.includes(host) && !fixedByPrepareHost.has(c.id)) blocking.push({ id: c.id, message: c.message, fix: '' });
  }
  return blocking;
}

type RunPreflight = (args: { inventory: StepContext['inventory']; hosts: StepContext['hosts']; remotes: StepContext['remotes']; log: StepContext['log'] }) => Promise<PreflightReport>;

const reportKey = 'preflight-report';

async function defaultRunPreflight(args: Parameters<RunPreflight>[0]): Promise<PreflightReport> {
  const { runPreflight } = await import('../preflight/run.js');
  return runPreflight(args);
}

/** The audit as the first step: read-only, so it runs in dry runs too; failures stop the whole run. */
export function makePreflightStep(run: RunPreflight = defaultRunPreflight): Step {
  return {
    id: 'preflight',
    title: 'Preflight audit',
    critical: true,
    hosts: (ctx) => ctx.targets,
    async prepare(ctx) {
      const report = await run({ inventory: ctx.inventory, hosts: ctx.targets, remotes: ctx.remotes, log: ctx.log });
      ctx.memo.set(reportKey, Promise.resolve(report));
    },
    async probe(ctx, host) {
      const report = (await ctx.memo.get(reportKey)) as PreflightReport;
      const blocking = blockingChecks(report, host.name);
      if (blocking.length === 0) return { changes: [] };
      const unreachable = blocking.some((b) => b.id === 'reachable');
      throw new KinstallError(`preflight failed: ${blocking.map((b) => `${b.id}: ${b.message}`).join('; ')}`, {
        exitCode: unreachable ? ExitCode.unreachable : ExitCode.checksFailed,
        host: host.name,
        hint: [...blocking.filter((b) => b.fix).map((b) => b.fix), 'or, when you accept the risk, list the check id under preflight.ignore'].join('; '),
      });
    },
    async apply() {
      // The audit never changes a host; probe either passes with no changes or throws.
    },
  };
}

export const preflightStep = makePreflightStep();
