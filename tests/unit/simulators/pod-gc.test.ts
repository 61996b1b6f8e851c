import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcOrphanedPods, newControllerState, reconcile } from '../../../lab/simulators/src/common/apiserver/controllers.js';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { ObjectStore } from '../../../lab/simulators/src/common/apiserver/store.js';

const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;
const daemonSets = findResource('apps', 'v1', 'daemonsets')!;
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

function freshStore(): ObjectStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-podgc-'));
  dirs.push(dir);
  return new ObjectStore(dir);
}
const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel', generation: 1 },
  spec: { selector: { matchLabels: { app: 'flannel' } }, template: { metadata: { labels: { app: 'flannel' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'f', image: 'x' }] } } } };
const dsPodsOn = (s: ObjectStore, n: string) => s.list(pods, 'kube-flannel').filter((p) => p.spec.nodeName === n);

describe('pod GC of orphaned pods (pkg/controller/podgc/gc_controller.go gcOrphaned)', () => {
  it('deletes pods of a missing node only after the 40 s quarantine', () => {
    const s = freshStore();
    let now = 1_000_000;
    const state = newControllerState(undefined, () => now);
    s.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'gone', containers: [] } });
    s.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound' }, spec: { containers: [] } });
    expect(gcOrphanedPods(s, state)).toEqual([]);
    now += 39_000;
    expect(gcOrphanedPods(s, state)).toEqual([]);
    now += 2_000;
    expect(gcOrphanedPods(s, state)).toEqual(['default/p']);
    expect(s.list(pods, 'default').map((p) => p.metadata.name)).toEqual(['unbound']);
  });
  it('a node that comes back within the quarantine keeps its pods', () => {
    const s = freshStore();
    let now = 0;
    const state = newControllerState(40_000, () => now);
    s.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'w1', containers: [] } });
    gcOrphanedPods(s, state);
    now += 20_000;
    s.create(nodes, '', node('w1'));
    gcOrphanedPods(s, state);
    now += 30_000;
    expect(gcOrphanedPods(s, state)).toEqual([]);
    expect(state.missingNodeSince.size).toBe(0);
  });
  it('remove-then-rejoin: the DaemonSet gets a fresh pod (new uid) on the node that joins again', () => {
    const s = freshStore();
    let now = 0;
    const state = newControllerState(40_000, () => now);
    s.create(nodes, '', node('w1'));
    s.create(daemonSets, 'kube-flannel', ds);
    reconcile(s, undefined, undefined, state);
    const [first] = dsPodsOn(s, 'w1');
    expect(first).toBeDefined();
    s.update(pods, 'kube-flannel', { ...first!, status: { phase: 'Running' }, metadata: { ...first!.metadata, resourceVersion: undefined } });
    // kinstall reset --hosts w1: the Node is deleted; later `up` joins it again.
    s.delete(nodes, '', 'w1');
    reconcile(s, undefined, undefined, state);
    now += 41_000;
    reconcile(s, undefined, undefined, state);
    expect(dsPodsOn(s, 'w1')).toEqual([]);
    s.create(nodes, '', node('w1'));
    reconcile(s, undefined, undefined, state);
    const [second] = dsPodsOn(s, 'w1');
    expect(second).toBeDefined();
    expect(second!.metadata.uid).not.toBe(first!.metadata.uid);
    expect(second!.status.phase).toBe('Pending');
  });
});

describe('kubelet: pods bound to a re-joined node are started again', () => {
  it('a pod shown Running by an earlier kubelet is started by a new kubelet process; mirror pods never', async () => {
    const { needsStart } = await import('../../../lab/simulators/src/common/kubelet-checks.js');
    const pod = { metadata: { uid: 'u1' }, status: { phase: 'Running' } };
    expect(needsStart(pod, new Set())).toBe(true);
    expect(needsStart(pod, new Set(['u1']))).toBe(false);
    expect(needsStart({ metadata: { uid: 'm', annotations: { 'kubernetes.io/config.mirror': 'static' } } }, new Set())).toBe(false);
  });
});
