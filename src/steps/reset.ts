import pLimit from 'p-limit';
import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
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
  failures: KinstallError[];
}

/**
 * Resets the given hosts in parallel. When the first control plane stays (a partial reset), the
 * reset hosts' Node objects are deleted through it first, so the cluster forgets them.
 */
export async function resetHosts(opts: {
  hosts: ResolvedHost[];
  remotes: Map<string, RemoteHost>;
  firstControlPlane: ResolvedHost;
  removePackages: boolean;
  concurrency: number;
}): Promise<ResetResult> {
  const failures: KinstallError[] = [];
  const reset: string[] = [];
  const cpStays = !opts.hosts.some((h) => h.name === opts.firstControlPlane.name);
  const cpRemote = opts.remotes.get(opts.firstControlPlane.name);
  const limit = pLimit(opts.concurrency);
  await Promise.all(
    opts.hosts.map((host) =>
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
  return { reset, failures };
}
