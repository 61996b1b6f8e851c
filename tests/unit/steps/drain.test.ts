import { describe, expect, it } from 'vitest';
import { describeDrainPlan, parseDrainState, renderDrainScript } from '../../../src/kube/drain.js';

const owner = (kind: string) => [{ kind, name: 'x', controller: true }];
const state = (pdbStatus: Record<string, number>) => [
  `nodes=${JSON.stringify({ items: [{ metadata: { name: 'node3' } }, { metadata: { name: 'node2' }, spec: { unschedulable: true } }] })}`,
  `pods=${JSON.stringify({ items: [
    { metadata: { name: 'web-a', namespace: 'shop', labels: { app: 'web' }, ownerReferences: owner('ReplicaSet') }, spec: { nodeName: 'node3' }, status: { phase: 'Running' } },
    { metadata: { name: 'job-1', namespace: 'shop', labels: { app: 'web' }, ownerReferences: owner('Job') }, spec: { nodeName: 'node3' }, status: { phase: 'Succeeded' } },
    { metadata: { name: 'ds-1', namespace: 'kube-system', ownerReferences: owner('DaemonSet') }, spec: { nodeName: 'node3' }, status: { phase: 'Running' } },
    { metadata: { name: 'static-node3', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'abc' } }, spec: { nodeName: 'node3' }, status: { phase: 'Running' } },
    { metadata: { name: 'web-b', namespace: 'other', labels: { app: 'web' }, ownerReferences: owner('ReplicaSet') }, spec: { nodeName: 'node3' }, status: { phase: 'Running' } },
  ] })}`,
  `pdbs=${JSON.stringify({ items: [{ metadata: { name: 'web', namespace: 'shop' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, status: pdbStatus }] })}`,
].join('\n');

describe('drain state and plan', () => {
  it('counts only the pods kubectl drain evicts; a budget with no disruption left blocks the ones it selects in its namespace', () => {
    const s = parseDrainState(state({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 }), 'node3');
    expect(s).toEqual({ nodeExists: true, cordoned: false, evictable: ['shop/web-a', 'other/web-b'],
      blockers: [{ pdb: 'shop/web', rule: 'minAvailable 2', disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, pods: ['shop/web-a'] }] });
    expect(describeDrainPlan('node3', s, { timeoutSeconds: 60, force: true })).toEqual([
      'drain node3: cordon, then evict shop/web-a, other/web-b (kubectl drain --timeout=60s)',
      'drain node3 would wait up to 60s then stop: PodDisruptionBudget shop/web (minAvailable 2: 2 healthy, 2 needed, 0 disruptions allowed) holds shop/web-a',
    ]);
  });
  it('a budget that allows a disruption blocks nothing; a cordoned node says so; a missing Node has nothing to drain', () => {
    expect(parseDrainState(state({ disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 }), 'node3').blockers).toEqual([]);
    const s2 = parseDrainState(state({ disruptionsAllowed: 1 }), 'node2');
    expect(describeDrainPlan('node2', s2, { timeoutSeconds: 60, force: true })).toEqual(['drain node2: already cordoned, then evict nothing (only DaemonSet or static pods) (kubectl drain --timeout=60s)']);
    expect(describeDrainPlan('gone', parseDrainState(state({}), 'gone'), { timeoutSeconds: 60, force: true })).toEqual(['drain gone: no Node object, nothing to drain']);
  });
  it('the timeout is whole seconds ≥ 1; --force only when asked', () => {
    expect(() => renderDrainScript('node3', { timeoutSeconds: 0, force: true })).toThrow('positive whole number');
    expect(renderDrainScript('node3', { timeoutSeconds: 5, force: false })).not.toContain('--force');
  });
});

describe('--drain-timeout', () => {
  it('whole seconds, at least 1; anything else is a usage error (exit 2)', async () => {
    const { parseDrainTimeout } = await import('../../../src/cli/commands/reset.js');
    expect(parseDrainTimeout('300')).toBe(300);
    for (const bad of ['0', '5m', '-1', '1.5', '']) {
      expect(() => parseDrainTimeout(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});
