import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newControllerState, reconcile, schedulable } from '../../../lab/simulators/src/common/apiserver/controllers.js';
import { labelSelectorMatches, pdbSpecErrors, reconcileDisruptionBudgets, scaledValue } from '../../../lab/simulators/src/common/apiserver/disruption.js';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { ObjectStore } from '../../../lab/simulators/src/common/apiserver/store.js';
import { ApiError } from '../../../lab/simulators/src/common/kube-client.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

const T = {
  nodes: findResource('', 'v1', 'nodes')!,
  pods: findResource('', 'v1', 'pods')!,
  deployments: findResource('apps', 'v1', 'deployments')!,
  pdbs: findResource('policy', 'v1', 'poddisruptionbudgets')!,
};
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
function freshStore(): ObjectStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-pdb-'));
  dirs.push(dir);
  return new ObjectStore(dir);
}
const readyNode = (name: string, unschedulable = false) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: unschedulable ? { unschedulable: true } : {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const deployment = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } } });
const pdb = (spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
/** The kubelet's part: every pod Running and Ready. */
function markReady(s: ObjectStore): void {
  for (const p of s.list(T.pods)) if (p.status?.phase !== 'Running') s.update(T.pods, p.metadata.namespace, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, metadata: { ...p.metadata, resourceVersion: undefined } });
}

describe('disruption controller (pkg/controller/disruption/disruption.go)', () => {
  it('intstr scaling rounds percentages up, ints as is; malformed percentages throw', () => {
    expect(scaledValue(1, 3, true)).toBe(1);
    expect(scaledValue('50%', 3, true)).toBe(2);
    expect(scaledValue('50%', 3, false)).toBe(1);
    expect(() => scaledValue('5O%', 3, true)).toThrow('invalid value for IntOrString');
  });
  it('label selectors: matchLabels and matchExpressions; nil matches nothing', () => {
    expect(labelSelectorMatches(undefined, { a: '1' })).toBe(false);
    expect(labelSelectorMatches({}, { a: '1' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['2'] }] }, { a: '2' })).toBe(false);
    expect(labelSelectorMatches({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, { a: '1', b: 'x' })).toBe(false);
  });
  it('minAvailable int / percent and maxUnavailable give upstream currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed', () => {
    for (const [spec, want] of [
      [{ minAvailable: 1 }, { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2 }],
      [{ minAvailable: '50%' }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 }],
      [{ maxUnavailable: 0 }, { currentHealthy: 3, desiredHealthy: 3, expectedPods: 3, disruptionsAllowed: 0 }],
      [{ maxUnavailable: '34%' }, { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2 }],
      [{ minAvailable: 5 }, { currentHealthy: 3, desiredHealthy: 5, expectedPods: 3, disruptionsAllowed: 0 }],
    ] as const) {
      const s = freshStore();
      s.create(T.nodes, '', readyNode('w1'));
      s.create(T.deployments, 'default', deployment(3));
      reconcile(s, undefined, undefined, newControllerState());
      markReady(s);
      s.create(T.pdbs, 'default', pdb(spec));
      reconcileDisruptionBudgets(s);
      const st = s.get(T.pdbs, 'default', 'web')!.status;
      expect({ currentHealthy: st.currentHealthy, desiredHealthy: st.desiredHealthy, expectedPods: st.expectedPods, disruptionsAllowed: st.disruptionsAllowed }).toEqual(want);
      expect(st.observedGeneration).toBe(1);
      expect(st.conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: want.disruptionsAllowed > 0 ? 'True' : 'False', reason: want.disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods' });
    }
  });
  it('a percentage over pods without a scalable controller fails the sync (no disruption allowed)', () => {
    const s = freshStore();
    s.create(T.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', labels: { app: 'web' } }, spec: { containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    s.create(T.pdbs, 'default', pdb({ maxUnavailable: 1 }));
    reconcileDisruptionBudgets(s);
    const st = s.get(T.pdbs, 'default', 'web')!.status;
    expect(st.disruptionsAllowed).toBe(0);
    expect(st.conditions[0]).toMatchObject({ reason: 'SyncFailed', message: 'found no controllers for pod "bare"' });
  });
  it('validation: minAvailable and maxUnavailable are exclusive; percentages ≤ 100%', () => {
    expect(pdbSpecErrors({ metadata: {}, spec: { minAvailable: 1, maxUnavailable: 1 } }).join()).toContain('minAvailable and maxUnavailable cannot be both set');
    expect(pdbSpecErrors({ metadata: {}, spec: { maxUnavailable: '101%' } }).join()).toContain('must not be greater than 100%');
    expect(pdbSpecErrors({ metadata: {}, spec: { minAvailable: -1 } }).join()).toContain('must be greater than or equal to 0');
  });
});

describe('scheduling in the controllers: cordon and spreading', () => {
  it('a cordoned node gets no new Deployment pods (NodeUnschedulable) unless tolerated; replicas spread over nodes', () => {
    expect(schedulable(readyNode('a', true))).toBe(false);
    expect(schedulable(readyNode('a', true), [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }])).toBe(true);
    const s = freshStore();
    s.create(T.nodes, '', readyNode('w1'));
    s.create(T.nodes, '', readyNode('w2'));
    s.create(T.nodes, '', readyNode('w3', true));
    s.create(T.deployments, 'default', deployment(2));
    reconcile(s, undefined, undefined, newControllerState());
    expect(s.list(T.pods, 'default').map((p) => p.spec.nodeName).sort()).toEqual(['w1', 'w2']);
  });
});

describe('pods/eviction (pkg/registry/core/pod/storage/eviction.go) over HTTPS', () => {
  let api: TestApiServer;
  beforeAll(async () => { api = await startTestApiServer('eviction', { controllerIntervalMs: 60_000 }); }, 30_000);
  afterAll(async () => { await api?.close(); });
  const store = () => api.server.store;
  const evict = (name: string, body?: unknown) => api.admin.create(`/api/v1/namespaces/default/pods/${name}/eviction`,
    body ?? { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
  const setup = (replicas: number, spec: Record<string, unknown>) => {
    const s = store();
    for (const p of s.list(T.pods, 'default')) s.delete(T.pods, 'default', p.metadata.name);
    for (const d of s.list(T.deployments, 'default')) s.delete(T.deployments, 'default', d.metadata.name);
    for (const b of s.list(T.pdbs, 'default')) s.delete(T.pdbs, 'default', b.metadata.name);
    if (!s.get(T.nodes, '', 'w1')) s.create(T.nodes, '', readyNode('w1'));
    s.create(T.deployments, 'default', deployment(replicas));
    reconcile(s, undefined, undefined, newControllerState());
    markReady(s);
    s.create(T.pdbs, 'default', pdb(spec));
    reconcileDisruptionBudgets(s);
    return s.list(T.pods, 'default').map((p) => p.metadata.name as string);
  };

  it('discovery lists pods/eviction as policy/v1 Eviction (what kubectl drain looks for)', async () => {
    const list = await api.admin.get('/api/v1');
    expect(list.resources).toContainEqual(expect.objectContaining({ name: 'pods/eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }));
  });
  it('an allowed eviction answers 201 Success, deletes the pod and decrements disruptionsAllowed', async () => {
    const [p1, p2] = setup(2, { minAvailable: 1 });
    expect(await evict(p1!)).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(store().get(T.pods, 'default', p1!)).toBeUndefined();
    const st = store().get(T.pdbs, 'default', 'web')!.status;
    expect(st.disruptionsAllowed).toBe(0);
    expect(st.conditions[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    // The second one is refused: 429 with the budget named in the cause (the counts are the
    // controller's: until its next pass the evicted pod still shows as healthy, as upstream).
    const first = (await evict(p2!).catch((e: unknown) => e)) as ApiError;
    expect(first.body.details.causes[0].message).toBe('The disruption budget web needs 1 healthy pods and has 2 currently');
    reconcileDisruptionBudgets(store());
    const err = await evict(p2!).catch((e: unknown) => e) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(429);
    expect(err.body).toMatchObject({ reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] } });
    expect(store().get(T.pods, 'default', p2!)).toBeDefined();
  });
  it('maxUnavailable 0 blocks every eviction; a pod no budget selects is evicted at once; a Pending pod ignores the budget', async () => {
    const [p1] = setup(2, { maxUnavailable: 0 });
    expect(((await evict(p1!).catch((e: unknown) => e)) as ApiError).status).toBe(429);
    store().create(T.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loner', labels: { app: 'other' } }, spec: { containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await evict('loner');
    expect(store().get(T.pods, 'default', 'loner')).toBeUndefined();
    store().create(T.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', labels: { app: 'web' } }, spec: { containers: [] }, status: { phase: 'Pending' } });
    await evict('pending');
    expect(store().get(T.pods, 'default', 'pending')).toBeUndefined();
  });
  it('a budget whose spec the controller has not observed yet answers 429 "still being processed"', async () => {
    const [p1] = setup(2, { minAvailable: 1 });
    const b = store().get(T.pdbs, 'default', 'web')!;
    store().update(T.pdbs, 'default', { ...b, spec: { ...b.spec, minAvailable: 0 }, metadata: { ...b.metadata, resourceVersion: undefined } });
    const err = (await evict(p1!).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.body.details.causes[0].message).toBe('The disruption budget web is still being processed by the server.');
  });
  it('two budgets over one pod: 500; a missing pod: 404; a body naming another pod: 400', async () => {
    const [p1] = setup(2, { minAvailable: 1 });
    store().create(T.pdbs, 'default', { ...pdb({ minAvailable: 1 }), metadata: { name: 'web2' } });
    expect(((await evict(p1!).catch((e: unknown) => e)) as ApiError).status).toBe(500);
    expect(((await evict('nope').catch((e: unknown) => e)) as ApiError).status).toBe(404);
    const bad = (await evict(p1!, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } }).catch((e: unknown) => e)) as ApiError;
    expect(bad.status).toBe(400);
    expect(bad.message).toBe('name in URL does not match name in Eviction object');
  });
  it('the apiserver refuses a budget with both minAvailable and maxUnavailable (422)', async () => {
    const err = (await api.admin.create('/apis/policy/v1/namespaces/default/poddisruptionbudgets', { ...pdb({ minAvailable: 1, maxUnavailable: 1 }), metadata: { name: 'both' } }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(422);
  });
});
