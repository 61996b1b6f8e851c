import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  managedLabelsAnnotation,
  managedTaintsAnnotation,
  nodeMetadataStep,
  parseNodeMetadataProbe,
  planNodeMetadata,
  renderNodeMetadataApply,
  renderNodeMetadataProbe,
  type DesiredNodeMetadata,
  type NodeMetadata,
} from '../../../src/steps/node-metadata.js';
import { upSteps } from '../../../src/steps/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { FakeRemote, fakeContext, fakeHost } from './fakes.js';

const desired: DesiredNodeMetadata[] = [
  { name: 'node2', labels: { disk: 'ssd', 'node-role.kubernetes.io/worker': '' }, taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] },
];
const converged = (): Map<string, NodeMetadata> =>
  new Map([
    [
      'node2',
      {
        labels: { 'kubernetes.io/hostname': 'node2', disk: 'ssd', 'node-role.kubernetes.io/worker': '', 'team': 'theirs' },
        taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }, { key: 'other', effect: 'NoExecute' }],
        annotations: { [managedLabelsAnnotation]: 'disk,node-role.kubernetes.io/worker', [managedTaintsAnnotation]: 'dedicated:NoSchedule', 'x/y': 'z' },
      },
    ],
  ]);

describe('planNodeMetadata', () => {
  it('a converged node changes nothing', () => {
    expect(planNodeMetadata(converged(), desired)).toEqual({ changes: [], commands: [] });
  });
  it('a node registered with kubelet labels only: labels set, taint set, record written', () => {
    const nodes = new Map([['node2', { labels: { disk: 'ssd' }, taints: [], annotations: {} }]]);
    const p = planNodeMetadata(nodes, desired);
    expect(p.changes).toEqual(['label node node2: node-role.kubernetes.io/worker=', 'taint node node2: dedicated=batch:NoSchedule']);
    expect(p.commands).toEqual([
      ['label', 'node', 'node2', '--overwrite', 'node-role.kubernetes.io/worker='],
      ['taint', 'node', 'node2', '--overwrite', 'dedicated=batch:NoSchedule'],
      ['annotate', 'node', 'node2', '--overwrite', `${managedLabelsAnnotation}=disk,node-role.kubernetes.io/worker`, `${managedTaintsAnnotation}=dedicated:NoSchedule`],
    ]);
  });
  it('a changed label value and taint value are overwritten', () => {
    const want = [{ ...desired[0]!, labels: { ...desired[0]!.labels, disk: 'nvme' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }] }];
    const p = planNodeMetadata(converged(), want);
    expect(p.changes).toEqual(['label node node2: disk=nvme (now ssd)', 'taint node node2: dedicated=gpu:NoSchedule']);
    expect(p.commands).toEqual([
      ['label', 'node', 'node2', '--overwrite', 'disk=nvme'],
      ['taint', 'node', 'node2', '--overwrite', 'dedicated=gpu:NoSchedule'],
    ]);
  });
  it('labels/taints kinstall set that left the inventory are removed; others are never touched', () => {
    const p = planNodeMetadata(converged(), [{ name: 'node2', labels: { disk: 'ssd' }, taints: [] }]);
    expect(p.commands).toEqual([
      ['label', 'node', 'node2', 'node-role.kubernetes.io/worker-'],
      ['taint', 'node', 'node2', 'dedicated:NoSchedule-'],
      ['annotate', 'node', 'node2', '--overwrite', `${managedLabelsAnnotation}=disk`, `${managedTaintsAnnotation}=`],
    ]);
    expect(p.commands.flat().join(' ')).not.toMatch(/team|other|hostname/);
  });
  it('a node without labels, taints or record changes nothing; an unregistered one is listed as pending', () => {
    const nodes = new Map([['node3', { labels: { 'kubernetes.io/hostname': 'node3' }, taints: [], annotations: {} }]]);
    expect(planNodeMetadata(nodes, [{ name: 'node3', labels: {}, taints: [] }]).changes).toEqual([]);
    expect(planNodeMetadata(new Map(), desired)).toEqual({
      changes: ['label/taint node node2 once it is registered: disk=ssd, node-role.kubernetes.io/worker=, dedicated=batch:NoSchedule'],
      commands: [],
    });
  });
});

describe('node-metadata scripts', () => {
  it('golden, valid sh, values shell-quoted', () => {
    const probe = renderNodeMetadataProbe();
    const apply = renderNodeMetadataApply([
      ['label', 'node', 'node2', '--overwrite', "evil=$(touch /tmp/x)'"],
      ['taint', 'node', 'node2', 'dedicated:NoSchedule-'],
    ]);
    expectGolden('steps/node-metadata/probe.sh', probe);
    expectGolden('steps/node-metadata/apply.sh', apply);
    for (const text of [probe, apply]) execFileSync('dash', ['-n'], { input: text });
    expect(apply).toContain(`'evil=$(touch /tmp/x)'\\'''`);
  });
  it('parses the probe output (kubectl get nodes -o json after the marker)', () => {
    const json = JSON.stringify({ items: [{ metadata: { name: 'node2', labels: { a: 'b' } }, spec: { taints: [{ key: 'k', value: '', effect: 'NoSchedule' }] } }] }, null, 2);
    const { api, nodes } = parseNodeMetadataProbe(`api=ok\n--- nodes json\n${json}\n`);
    expect(api).toBe(true);
    expect(nodes.get('node2')).toEqual({ labels: { a: 'b' }, annotations: {}, taints: [{ key: 'k', effect: 'NoSchedule' }] });
    expect(parseNodeMetadataProbe('api=down\n').api).toBe(false);
  });
});

describe('nodeMetadataStep', () => {
  it('runs after the joins, on the first control plane, with every non-failed host', async () => {
    const ids = upSteps.map((s) => s.id);
    expect(ids.indexOf('node-metadata')).toBe(ids.indexOf('join-workers') + 1);
    const hosts = [fakeHost('node1', ['control-plane']), fakeHost('node2', ['worker'])];
    hosts[1]!.labels = { disk: 'ssd' };
    const remote = new FakeRemote('node1');
    const json = JSON.stringify({ items: [{ metadata: { name: 'node1' } }, { metadata: { name: 'node2', labels: {} } }] });
    remote.responders.push(() => ({ stdout: `api=ok\n--- nodes json\n${json}\n` }));
    const ctx = fakeContext(hosts, [remote]);
    expect(nodeMetadataStep.hosts(ctx).map((h) => h.name)).toEqual(['node1']);
    const plan = await nodeMetadataStep.probe(ctx, hosts[0]!, remote);
    expect(plan.changes).toEqual(['label node node2: disk=ssd']);
    ctx.failedHosts = new Set(['node2']);
    expect((await nodeMetadataStep.probe(ctx, hosts[0]!, remote)).changes).toEqual([]);
  });
});
