import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { JsonFileBackend, ObjectStore, storageKey, storagePrefix, type StoreChange } from '../../../lab/simulators/src/common/apiserver/store.js';
import { LeaderElector } from '../../../lab/simulators/src/common/apiserver/leader.js';
import { StatusError } from '../../../lab/simulators/src/common/apiserver/status.js';

const T = (g: string, r: string) => findResource(g, 'v1', r)!;
const cm = T('', 'configmaps');
const backend = () => new JsonFileBackend(fs.mkdtempSync(path.join(os.tmpdir(), 'store-')));

describe('storage layout (as kube-apiserver lays out etcd)', () => {
  it('keys are /registry/<resource>/<ns>/<name>, cluster-scoped without ns, with the upstream special prefixes', () => {
    expect(storageKey(cm, 'default', 'a')).toBe('/registry/configmaps/default/a');
    expect(storageKey(T('', 'namespaces'), '', 'kube-system')).toBe('/registry/namespaces/kube-system');
    expect(storageKey(T('', 'nodes'), '', 'node1')).toBe('/registry/minions/node1');
    expect(storageKey(T('', 'services'), 'default', 'kubernetes')).toBe('/registry/services/specs/default/kubernetes');
    expect(storageKey(T('', 'endpoints'), 'default', 'kubernetes')).toBe('/registry/services/endpoints/default/kubernetes');
    expect(storageKey(T('apps', 'deployments'), 'ns', 'd')).toBe('/registry/deployments/ns/d');
    expect(storageKey(T('networking.k8s.io', 'ingresses'), 'ns', 'i')).toBe('/registry/ingress/ns/i');
    expect(storagePrefix(T('', 'pods'))).toBe('/registry/pods/');
  });

  it('resourceVersion is the mod revision; TypeMeta is stored, resourceVersion is not', () => {
    const b = backend();
    const s = new ObjectStore(b);
    const created = s.create(cm, 'default', { metadata: { name: 'a' }, data: { k: 'v' } });
    const kv = b.get('/registry/configmaps/default/a')!;
    expect(created.metadata.resourceVersion).toBe(kv.modRevision);
    const stored = JSON.parse(kv.value);
    expect(stored).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(stored.metadata.resourceVersion).toBeUndefined();
    const updated = s.update(cm, 'default', { ...created, data: { k: 'w' } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(s.get(cm, 'default', 'a')!.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
  });

  it('an update with a stale resourceVersion is a 409 Conflict, across two apiservers on one store', () => {
    const b = backend();
    const one = new ObjectStore(b);
    const two = new ObjectStore(b);
    const o = one.create(cm, 'default', { metadata: { name: 'race' }, data: {} });
    two.update(cm, 'default', { ...o, data: { by: 'two' } });
    try {
      one.update(cm, 'default', { ...o, data: { by: 'one' } });
      expect.unreachable('stale update accepted');
    } catch (e) {
      expect((e as StatusError).code).toBe(409);
      expect((e as StatusError).reason).toBe('Conflict');
    }
    // Without a resourceVersion the update is unconditional (GuaranteedUpdate re-reads).
    const { resourceVersion: _, ...meta } = o.metadata;
    expect(one.update(cm, 'default', { ...o, metadata: meta, data: { by: 'one' } }).data).toEqual({ by: 'one' });
  });

  it('create of an existing key is AlreadyExists; delete of a missing one NotFound', () => {
    const s = new ObjectStore(backend());
    s.create(cm, 'default', { metadata: { name: 'x' } });
    expect(() => s.create(cm, 'default', { metadata: { name: 'x' } })).toThrow(/already exists/);
    s.delete(cm, 'default', 'x');
    expect(() => s.delete(cm, 'default', 'x')).toThrow(/not found/);
  });

  it('onChange reports ADDED, MODIFIED and DELETED, also for writes made through another apiserver', () => {
    const b = backend();
    const watching = new ObjectStore(b);
    const other = new ObjectStore(b);
    const seen: StoreChange[] = [];
    const stop = watching.onChange((ev) => seen.push(ev));
    const o = other.create(cm, 'default', { metadata: { name: 'w' } });
    const u = other.update(cm, 'default', { ...o, data: { a: 'b' } });
    other.delete(cm, 'default', 'w');
    stop();
    other.create(cm, 'default', { metadata: { name: 'after-stop' } });
    expect(seen.map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.name}`)).toEqual(['ADDED ConfigMap w', 'MODIFIED ConfigMap w', 'DELETED ConfigMap w']);
    expect(seen[1]!.object.metadata.resourceVersion).toBe(u.metadata.resourceVersion);
    expect(Number(seen[2]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(u.metadata.resourceVersion));
  });

  it('a list\'s resourceVersion is the store revision it was read at', () => {
    const s = new ObjectStore(backend());
    const last = s.create(cm, 'default', { metadata: { name: 'b' } });
    s.list(cm, 'default');
    expect(s.listResourceVersion()).toBe(last.metadata.resourceVersion);
  });
});

describe('controllers\' leader election (client-go Lease lock rules)', () => {
  it('one holder at a time; the other takes over only after the lease duration passes unrenewed', () => {
    const b = backend();
    let now = 1_000_000;
    const a = new LeaderElector(new ObjectStore(b), 'cp1', undefined, undefined, () => now);
    const c = new LeaderElector(new ObjectStore(b), 'cp2', undefined, undefined, () => now);
    expect(a.tryAcquireOrRenew()).toBe(true);
    expect(c.tryAcquireOrRenew()).toBe(false);
    now += 10_000;
    expect(a.tryAcquireOrRenew()).toBe(true);
    expect(c.tryAcquireOrRenew()).toBe(false);
    // cp1 stops renewing: cp2 sees the record unchanged for 15s, then acquires.
    now += 14_000;
    expect(c.tryAcquireOrRenew()).toBe(false);
    now += 2_000;
    expect(c.tryAcquireOrRenew()).toBe(true);
    const lease = new ObjectStore(b).get(findResource('coordination.k8s.io', 'v1', 'leases')!, 'kube-system', 'kube-controller-manager')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'cp2', leaseDurationSeconds: 15, leaseTransitions: 1 });
    expect(a.tryAcquireOrRenew()).toBe(false);
  });
});
