// Leader election for the simulated controllers, so that with several apiserver simulators (one
// per control plane, one shared etcd) the controller loops run in exactly one place, as
// kube-controller-manager's do. Same rules as client-go's Lease lock
// (staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go tryAcquireOrRenew,
// resourcelock/leaselock.go), with kube-controller-manager's defaults
// (cmd/kube-controller-manager/app/options: --leader-elect-lease-duration=15s).
import { findResource } from './resources.js';
import { StatusError } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const LEASE_DURATION_S = 15;
const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export class LeaderElector {
  /** The lease record last seen, and when this process saw it change (client-go's observedTime: its own clock, not the holder's). */
  private observed = '';
  private observedAt = 0;

  constructor(
    private readonly store: ObjectStore,
    readonly identity: string,
    private readonly name = 'kube-controller-manager',
    private readonly namespace = 'kube-system',
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this process holds the lease after the call (acquired or renewed). */
  tryAcquireOrRenew(): boolean {
    const now = this.now();
    const spec = (prev?: KubeObject['spec']) => ({
      holderIdentity: this.identity, leaseDurationSeconds: LEASE_DURATION_S, renewTime: microTime(now),
      acquireTime: prev?.holderIdentity === this.identity ? prev.acquireTime : microTime(now),
      leaseTransitions: prev ? (prev.holderIdentity === this.identity ? prev.leaseTransitions ?? 0 : (prev.leaseTransitions ?? 0) + 1) : 0,
    });
    try {
      const current = this.store.get(leases, this.namespace, this.name);
      if (!current) {
        this.store.create(leases, this.namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: spec() });
        return true;
      }
      const record = JSON.stringify(current.spec ?? {});
      if (record !== this.observed) { this.observed = record; this.observedAt = now; }
      const holder = current.spec?.holderIdentity;
      const duration = Number(current.spec?.leaseDurationSeconds ?? LEASE_DURATION_S) * 1000;
      if (holder && holder !== this.identity && this.observedAt + duration > now) return false;
      // The update carries the resourceVersion read: if another apiserver took the lease in between, this is a Conflict.
      const updated = this.store.update(leases, this.namespace, { ...current, spec: spec(current.spec) });
      this.observed = JSON.stringify(updated.spec);
      this.observedAt = now;
      return true;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return false;
      throw e;
    }
  }
}
