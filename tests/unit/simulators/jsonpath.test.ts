import { describe, expect, it } from 'vitest';
import { JsonPathError, renderJsonPath } from '../../../lab/simulators/src/common/jsonpath.js';

const nodes = {
  kind: 'List',
  items: [
    { metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] } },
    { metadata: { name: 'node2' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
  ],
};

describe('kubectl -o jsonpath (simulator)', () => {
  it('prints fields, with missing keys as empty (allow-missing-template-keys)', () => {
    const ds = { spec: {}, status: { desiredNumberScheduled: 3, numberReady: 2 } };
    expect(renderJsonPath('{.status.desiredNumberScheduled} {.status.numberReady}', ds)).toBe('3 2');
    expect(renderJsonPath('{.spec.replicas} {.status.readyReplicas}', { spec: { replicas: 1 }, status: {} })).toBe('1 ');
  });

  it('range over items with a filter and quoted literals, as kinstall\'s probes use it', () => {
    const tpl = '{range .items[*]}node:{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}';
    expect(renderJsonPath(tpl, nodes)).toBe('node:node1=True\nnode:node2=False\n');
  });

  it('hyphenated and slashed keys, indexes, wildcards, objects as JSON', () => {
    const cm = { data: { 'jws-kubeconfig-abcdef': 'sig' } };
    expect(renderJsonPath('{.data.jws-kubeconfig-abcdef}', cm)).toBe('sig');
    expect(renderJsonPath('{.data.jws-kubeconfig-zzzzzz}', cm)).toBe('');
    expect(renderJsonPath("{.items[0].metadata.labels['kubernetes.io/hostname']}", nodes)).toBe('node1');
    expect(renderJsonPath('{.items[*].metadata.name}', nodes)).toBe('node1 node2');
    expect(renderJsonPath('{.items[1].status.conditions[0]}', nodes)).toBe('{"type":"Ready","status":"False"}');
  });

  it('rejects malformed templates like kubectl', () => {
    expect(() => renderJsonPath('{.a', {})).toThrow(JsonPathError);
    expect(() => renderJsonPath('{end}', {})).toThrow(/not in range/);
    expect(() => renderJsonPath('{range .items[*]}x', {})).toThrow(/unclosed/);
    expect(() => renderJsonPath('{.a b}', {})).toThrow(/unrecognized/);
  });
});

describe('kubectl -o jsonpath escaped dots', () => {
  it('a backslash-escaped dot is part of the field name (label and annotation keys)', async () => {
    const { renderJsonPath } = await import('../../../lab/simulators/src/common/jsonpath.js');
    const obj = { metadata: { labels: { 'kubernetes.io/os': 'linux', 'kinstall.io/managed-labels': 'a,b' } } };
    expect(renderJsonPath('{.metadata.labels.kubernetes\\.io/os}', obj)).toBe('linux');
    expect(renderJsonPath('{.metadata.labels.kinstall\\.io/managed-labels}', obj)).toBe('a,b');
  });
});
