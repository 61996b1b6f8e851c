import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { KinstallError } from '../../../src/errors.js';
import { describeDrainPlan, drainNode, readDrainState, uncordonNode } from '../../../src/kube/drain.js';
import type { ShellRemote } from '../lock/shell-remote.js';
import { seedDrainFixture, simulatedControlPlane, type SimulatedControlPlane } from './simulated-control-plane.js';
import type { TestApiServer } from './test-apiserver.js';

/** kinstall's drain module end to end on this machine (simulated-control-plane.ts). */

const pods = findResource('', 'v1', 'pods')!;
const pdbs = findResource('policy', 'v1', 'poddisruptionbudgets')!;

describe('drainNode against the simulators', () => {
  let sim: SimulatedControlPlane;
  let api: TestApiServer;
  let cp: ShellRemote;
  let stopKubelet = () => undefined as void;
  beforeAll(async () => {
    sim = await simulatedControlPlane('drain-module', { controllerIntervalMs: 150 });
    ({ api, cp } = sim);
    stopKubelet = await seedDrainFixture(api);
    for (let i = 0; i < 100 && api.server.store.get(pdbs, 'default', 'web')?.status?.disruptionsAllowed !== 1; i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);
  afterAll(async () => { stopKubelet(); await sim?.close(); });
  const web = () => api.server.store.list(pods, 'default').filter((p) => p.metadata.labels?.app === 'web');

  it('drains a node the budget allows: its web pod evicted (the DaemonSet pod stays); again: nothing to evict; a missing Node: not drained', async () => {
    const victim = web().find((p) => p.spec.nodeName === 'w2')!;
    const plan = describeDrainPlan('w2', await readDrainState(cp, 'w2'), { timeoutSeconds: 20, force: true });
    expect(plan).toEqual([`drain w2: cordon, then evict default/${victim.metadata.name} (kubectl drain --timeout=20s)`]);
    expect(await drainNode(cp, 'w2', { timeoutSeconds: 20, force: true, resumeHint: 'again' })).toEqual({ drained: true, evicted: [`default/${victim.metadata.name}`] });
    expect(api.server.store.list(pods, 'default').some((p) => p.metadata.labels?.app === 'agent' && p.spec.nodeName === 'w2')).toBe(true);
    expect(await drainNode(cp, 'w2', { timeoutSeconds: 20, force: true, resumeHint: 'again' })).toEqual({ drained: true, evicted: [] });
    expect(await drainNode(cp, 'ghost', { timeoutSeconds: 20, force: true, resumeHint: 'again' })).toEqual({ drained: false, evicted: [] });
  }, 30_000);

  it('a budget allowing no disruption: the error names it and the pods, the node stays cordoned', async () => {
    for (let i = 0; i < 100 && !(web().length === 2 && web().every((p) => p.spec.nodeName === 'w1' && p.status?.phase === 'Running')); i++) await new Promise((r) => setTimeout(r, 100));
    const b = api.server.store.get(pdbs, 'default', 'web')!;
    await api.admin.replace('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web', { ...b, spec: { maxUnavailable: 0, selector: b.spec.selector }, metadata: { ...b.metadata, resourceVersion: undefined } });
    for (let i = 0; i < 100 && api.server.store.get(pdbs, 'default', 'web')?.status?.observedGeneration !== 2; i++) await new Promise((r) => setTimeout(r, 100));
    const names = web().map((p) => `default/${p.metadata.name}`).sort();
    const plan = describeDrainPlan('w1', await readDrainState(cp, 'w1'), { timeoutSeconds: 2, force: true });
    expect(plan[1]).toBe(`drain w1 would wait up to 2s then stop: PodDisruptionBudget default/web (maxUnavailable 0: 2 healthy, 2 needed, 0 disruptions allowed) holds ${names.join(', ')}`);
    const err = await drainNode(cp, 'w1', { timeoutSeconds: 2, force: true, resumeHint: 'run it again' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinstallError);
    const e = err as KinstallError;
    expect(e.exitCode).toBe(4);
    expect(e.format()).toBe(`w1: drain of w1 failed: evictions refused for 2s by PodDisruptionBudget default/web (maxUnavailable 0: 2 healthy, 2 needed, 0 disruptions allowed) holds ${names.join(', ')}; pods still on the node: ${names.join(', ')}; the node is left cordoned\n`
      + '  fix: make room for these pods (scale the workload up, add a node, or relax the PodDisruptionBudget), then run it again: the drain resumes on the cordoned node');
    expect(api.server.store.get(findResource('', 'v1', 'nodes')!, '', 'w1')!.spec.unschedulable).toBe(true);
    expect(web()).toHaveLength(2);
    await uncordonNode(cp, 'w1');
    expect(api.server.store.get(findResource('', 'v1', 'nodes')!, '', 'w1')!.spec?.unschedulable).toBeUndefined();
    await uncordonNode(cp, 'w1');
  }, 30_000);
});
