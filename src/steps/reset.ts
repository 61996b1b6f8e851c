import pLimit from 'p-limit';
import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { drainNode } from '../kube/drain.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { aptKeyring, aptListPath, rpmRepoPath } from './kube-packages.js';
import { execOrFail, kinstallDir } from './remote.js';

export function renderResetScript(opts: { removePackages: boolean }): string {
  return render('steps/reset/reset.sh.hbs', { kinstallDir, removePackages: opts.removePackages, aptListPath, aptKeyring, rpmRepoPath });
}

export function renderDeleteNode(node: string): string {
  return render('steps/reset/delete-node.sh.hbs', { node });
}

export interface ResetResult {
  reset: string[];
  /** Hosts drained before their Node was deleted, with the pods evicted (ns/name). */
  drained: Array<{ host: string; evicted: string[] }>;
  failures: KinstallError[];
}

/**
 * Resets the given hosts in parallel. When the first control plane stays (a partial reset), the
 * reset hosts are first drained through it one at a time (unless `drain` is false: --no-drain),
 * then their Node objects deleted, so the cluster forgets them. A host whose drain fails is
 * left cordoned and not reset (its failure names the blocking budgets); the others go on.
 */
export async function resetHosts(opts: {
  hosts: ResolvedHost[];
  remotes: Map<string, RemoteHost>;
  firstControlPlane: ResolvedHost;
  removePackages: boolean;
  concurrency: number;
  /** Drain before deleting the Node (partial resets only); false = --no-drain. */
  drain: { timeoutSeconds: number; resumeHint: string } | false;
}): Promise<ResetResult> {
  const failures: KinstallError[] = [];
  const reset: string[] = [];
  const drained: ResetResult['drained'] = [];
  const cpStays = !opts.hosts.some((h) => h.name === opts.firstControlPlane.name);
  const cpRemote = opts.remotes.get(opts.firstControlPlane.name);
  const limit = pLimit(opts.concurrency);
  let toReset = opts.hosts;
  if (cpStays && cpRemote && opts.drain) {
    // One node at a time, like kubectl drain with several nodes: budgets are checked against
    // what the previous drains left, so two nodes never take the last replicas together.
    toReset = [];
    for (const host of opts.hosts) {
      try {
        const r = await drainNode(cpRemote, host.name, { timeoutSeconds: opts.drain.timeoutSeconds, force: true, resumeHint: opts.drain.resumeHint });
        if (r.drained) drained.push({ host: host.name, evicted: r.evicted });
        toReset.push(host);
      } catch (err) {
        failures.push(err instanceof KinstallError ? err : new KinstallError(`drain failed: ${(err as Error).message}`, { exitCode: ExitCode.stepFailed, host: host.name }));
      }
    }
  }
  await Promise.all(
    toReset.map((host) =>
      limit(async () => {
        const remote = opts.remotes.get(host.name);
        try {
          if (!remote) throw new KinstallError('not connected', { exitCode: ExitCode.unreachable, host: host.name });
          if (cpStays && cpRemote) await execOrFail(cpRemote, renderDeleteNode(host.name), { label: `reset: delete node ${host.name}` });
          await execOrFail(remote, renderResetScript({ removePackages: opts.removePackages }), { label: 'reset', timeoutMs: 10 * 60_000 });
          reset.push(host.name);
        } catch (err) {
          failures.push(
            err instanceof KinstallError
              ? err
              : new KinstallError(`reset failed: ${(err as Error).message}`, { exitCode: ExitCode.stepFailed, host: host.name }),
          );
        }
      }),
    ),
  );
  return { reset, drained, failures };
}
