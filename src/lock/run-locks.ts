import type { RemoteHost } from '../ssh/types.js';
import { acquireClusterLock, type ClusterLock } from './cluster-lock.js';
import { acquireLocalLock, type LocalLock } from './local-lock.js';
import { describeOwner, newOwner, type LockOwner } from './owner.js';

/**
 * Both locks of one `up`/`reset` run, under one owner: the local lock (taken first, before any
 * host is contacted) and the cluster lock on the first control plane (taken right after
 * connecting, before any step). release() gives them back in reverse order and never throws.
 */
export class RunLocks {
  private cluster: ClusterLock | undefined;

  private constructor(
    readonly owner: LockOwner,
    private readonly local: LocalLock,
    private readonly force: boolean,
    private readonly say: (line: string) => void,
  ) {}

  static takeLocal(opts: { inventoryFile: string; command: string; force: boolean; stateDir?: string; say?: (line: string) => void }): RunLocks {
    const say = opts.say ?? ((line: string) => process.stderr.write(`${line}\n`));
    const owner = newOwner(opts.command);
    const local = acquireLocalLock(opts.inventoryFile, owner, { force: opts.force, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
    if (local.cleared) say(`--force-unlock: cleared the stale local lock of ${describeOwner(local.cleared)}`);
    return new RunLocks(owner, local, opts.force, say);
  }

  async takeCluster(remote: RemoteHost, opts: { dir?: string; leaseSeconds?: number } = {}): Promise<void> {
    this.cluster = await acquireClusterLock(remote, this.owner, { force: this.force, ...opts });
    if (this.cluster.cleared) this.say(`--force-unlock: cleared the stale cluster lock of ${describeOwner(this.cluster.cleared)} on ${remote.name}`);
  }

  async release(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) {
      try {
        await cluster.release();
      } catch (err) {
        this.say(
          `warning: could not release the cluster lock on ${cluster.remote.name} (${(err as Error).message}); the next run will report it as stale and needs --force-unlock`,
        );
      }
    }
    this.local.release();
  }
}
