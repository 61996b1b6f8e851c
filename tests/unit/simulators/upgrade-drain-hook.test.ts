import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { parseKv } from '../../../src/steps/remote.js';
import { drainedForUpgradeAnnotation, renderDrainMark, renderDrainRelease } from '../../../src/upgrade/drain-hook.js';
import { parseClusterProbe, renderClusterProbe } from '../../../src/upgrade/steps.js';
import type { ShellRemote } from '../lock/shell-remote.js';
import { simulatedControlPlane, type SimulatedControlPlane } from './simulated-control-plane.js';

/**
 * The upgrade's drain marks (src/upgrade/drain-hook.ts) run by sh with the kubectl simulator
 * against the apiserver simulator: kinstall uncordons only the nodes it drained itself, and the
 * cluster probe finds them again after a run was cut.
 */
const nodes = findResource('', 'v1', 'nodes')!;

describe('upgrade drain marks against the simulators', () => {
  let sim: SimulatedControlPlane;
  let cp: ShellRemote;
  const node = (n: string) => sim.api.server.store.get(nodes, '', n)!;
  const run = async (script: string) => {
    const r = await cp.exec(script);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  beforeAll(async () => {
    sim = await simulatedControlPlane('upgrade-drain-hook');
    cp = sim.cp;
    for (const n of ['w1', 'w2']) await sim.api.admin.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    // w2 was cordoned by its operator before the upgrade.
    await sim.api.admin.mergePatch('/api/v1/nodes/w2', { spec: { unschedulable: true } });
  }, 60_000);
  afterAll(async () => { await sim?.close(); });

  it('a schedulable node is marked with the target; the cluster probe lists it; release uncordons it and drops the mark', async () => {
    expect(await run(renderDrainMark('w1', '1.28.15'))).toBe('kinstall-upgrade: marked');
    expect(node('w1').metadata.annotations?.[drainedForUpgradeAnnotation]).toBe('1.28.15');
    await sim.api.admin.mergePatch('/api/v1/nodes/w1', { spec: { unschedulable: true } }); // the drain's cordon
    // Marked again (a resumed run): still ours.
    expect(await run(renderDrainMark('w1', '1.28.15'))).toBe('kinstall-upgrade: marked');
    const observed = parseClusterProbe(parseKv(await run(renderClusterProbe())));
    expect([...observed.drained]).toEqual([['w1', '1.28.15']]);
    expect(await run(renderDrainRelease('w1'))).toBe('kinstall-upgrade: released');
    expect(node('w1').spec?.unschedulable).toBeFalsy();
    expect(node('w1').metadata.annotations?.[drainedForUpgradeAnnotation]).toBeUndefined();
    expect(await run(renderDrainRelease('w1'))).toBe('kinstall-upgrade: not-marked');
  }, 60_000);

  it('a node someone else cordoned is not marked, and stays cordoned after the upgrade', async () => {
    expect(await run(renderDrainMark('w2', '1.28.15'))).toBe('kinstall-upgrade: cordoned-before');
    expect(node('w2').metadata.annotations?.[drainedForUpgradeAnnotation]).toBeUndefined();
    expect(await run(renderDrainRelease('w2'))).toBe('kinstall-upgrade: not-marked');
    expect(node('w2').spec.unschedulable).toBe(true);
    expect([...parseClusterProbe(parseKv(await run(renderClusterProbe()))).drained]).toEqual([]);
  }, 60_000);
});
