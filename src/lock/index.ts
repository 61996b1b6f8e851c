import type { RemoteHost } from '../ssh/types.js';
import { clusterLockStatus } from './cluster-lock.js';
import { describeOwner } from './owner.js';

export { acquireClusterLock, clusterLockDir, clusterLockStatus, ClusterLock } from './cluster-lock.js';
export { acquireLocalLock, defaultStateDir, localLockPath, LocalLock } from './local-lock.js';
export { describeOwner, newOwner, type LockOwner } from './owner.js';
export { RunLocks } from './run-locks.js';

/**
 * For --dry-run and preflight, which never take the lock: one line saying who holds it (or that a
 * stale one is left), or undefined when it is free. Read-only; a failure to look is not an error.
 */
export async function lockStatusNote(remote: RemoteHost, dir?: string): Promise<string | undefined> {
  try {
    const st = await clusterLockStatus(remote, dir);
    if (st.state === 'held') return `note: the cluster is locked by another kinstall run: ${st.owner ? describeOwner(st.owner) : 'unknown'} (a real run would exit with code 6)`;
    if (st.state === 'stale') return `note: a stale cluster lock is left by ${st.owner ? describeOwner(st.owner) : 'an unknown run'} (a real run needs --force-unlock)`;
    return undefined;
  } catch {
    return undefined;
  }
}
