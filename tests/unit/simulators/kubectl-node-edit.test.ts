import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditError, editAnnotations, editLabels, editTaints } from '../../../lab/simulators/src/common/labels.js';
import { issueCert } from '../../../lab/simulators/src/common/pki.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

describe('label/annotate/taint edits (kubectl cmd/label, cmd/annotate, util/taints)', () => {
  it('label: a different value needs --overwrite, the same value does not; removals of absent keys are noted', () => {
    expect(() => editLabels({ a: 'x' }, { a: 'y' }, [], false)).toThrow(new EditError("'a' already has a value (x), and --overwrite is false"));
    expect(editLabels({ a: 'x' }, { a: 'x' }, [], false)).toEqual({ labels: { a: 'x' }, verb: 'not labeled', notes: [] });
    expect(editLabels({ a: 'x' }, { a: 'y' }, [], true).verb).toBe('labeled');
    expect(editLabels({ a: 'x' }, {}, ['a', 'b'], false)).toEqual({ labels: {}, verb: 'unlabeled', notes: ['label "b" not found.'] });
  });
  it('annotate: any declared existing key needs --overwrite', () => {
    expect(() => editAnnotations({ a: 'x' }, { a: 'x' }, [], false)).toThrow("--overwrite is false but found the following declared annotation(s): 'a' already has a value (x)");
    expect(editAnnotations({ a: 'x', b: '1' }, { a: 'y' }, ['b'], true)).toEqual({ a: 'y' });
  });
  it('taint: same key+effect needs --overwrite; new taints first; removing an absent taint fails', () => {
    const old = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
    expect(editTaints('cp1', old, [{ key: 'gpu', value: 'a', effect: 'NoSchedule' }], [], false)).toEqual({
      taints: [{ key: 'gpu', value: 'a', effect: 'NoSchedule' }, ...old], verb: 'tainted' });
    expect(() => editTaints('cp1', [{ key: 'gpu', value: 'a', effect: 'NoSchedule' }], [{ key: 'gpu', value: 'b', effect: 'NoSchedule' }], [], false))
      .toThrow('Node cp1 already has gpu taint(s) with same effect(s) and --overwrite is false');
    expect(editTaints('cp1', [{ key: 'gpu', value: 'a', effect: 'NoSchedule' }], [{ key: 'gpu', value: 'b', effect: 'NoSchedule' }], [], true))
      .toEqual({ taints: [{ key: 'gpu', value: 'b', effect: 'NoSchedule' }], verb: 'modified' });
    expect(editTaints('cp1', old, [], [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], false)).toEqual({ taints: [], verb: 'untainted' });
    expect(editTaints('cp1', [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }], [], [{ key: 'a' }], false).taints).toEqual([]);
    expect(() => editTaints('cp1', old, [], [{ key: 'gpu', effect: 'NoSchedule' }], false)).toThrow('taint "gpu:NoSchedule" not found');
    const t = editTaints('cp1', [], [{ key: 'evict', effect: 'NoExecute' }], [], false, new Date('2026-01-02T03:04:05.678Z')).taints[0] as unknown as Record<string, string>;
    expect(t.timeAdded).toBe('2026-01-02T03:04:05Z');
  });
});

describe('the kubectl bundle: label, taint, annotate against the apiserver simulator', () => {
  let api: TestApiServer;
  let out: string;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startTestApiServer('kubectl-edit');
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubectl-edit-'));
    execFileSync('node', ['lab/simulators/build.mjs', '--outdir', out, 'kubectl'], { stdio: 'pipe' });
    const cert = issueCert(api.ca, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
    kubeconfig = path.join(out, 'admin.conf');
    fs.writeFileSync(kubeconfig, YAML.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'admin',
      clusters: [{ name: 'k', cluster: { server: api.base, 'certificate-authority-data': Buffer.from(api.ca.certPem).toString('base64') } }],
      contexts: [{ name: 'admin', context: { cluster: 'k', user: 'admin' } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': Buffer.from(cert.certPem).toString('base64'), 'client-key-data': Buffer.from(cert.keyPem).toString('base64') } }],
    }));
    await api.admin.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1', labels: { 'kubernetes.io/hostname': 'w1' } } });
  }, 60_000);
  afterAll(async () => { await api?.close(); fs.rmSync(out, { recursive: true, force: true }); });
  const kubectl = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(out, 'kubectl.js'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }));
  });
  const node = () => api.admin.get('/api/v1/nodes/w1');

  it('label sets, refuses a change without --overwrite, overwrites and removes', async () => {
    expect(await kubectl('label', 'node', 'w1', 'disktype=ssd')).toEqual({ status: 0, stdout: 'node/w1 labeled\n', stderr: '' });
    const refused = await kubectl('label', 'node', 'w1', 'disktype=hdd');
    expect(refused).toEqual({ status: 1, stdout: '', stderr: "error: 'disktype' already has a value (ssd), and --overwrite is false\n" });
    expect((await kubectl('label', 'node', 'w1', 'disktype=ssd')).stdout).toBe('node/w1 not labeled\n');
    expect((await kubectl('label', 'node/w1', 'disktype=hdd', '--overwrite')).stdout).toBe('node/w1 labeled\n');
    expect((await node()).metadata.labels).toEqual({ 'kubernetes.io/hostname': 'w1', disktype: 'hdd' });
    expect((await kubectl('label', 'node', 'w1', 'disktype-')).stdout).toBe('node/w1 unlabeled\n');
    expect((await node()).metadata.labels).toEqual({ 'kubernetes.io/hostname': 'w1' });
    expect((await kubectl('label', 'node', 'w1', 'bad key=1')).stderr).toMatch(/^error: invalid label spec: bad key=1, name part must consist/);
    expect((await kubectl('label', 'node', 'nope', 'a=b')).stderr).toBe('Error from server (NotFound): nodes "nope" not found\n');
  });

  it('taint adds, refuses a duplicate key+effect, removes by key:effect and by key, fails on an absent one', async () => {
    expect((await kubectl('taint', 'node', 'w1', 'dedicated=gpu:NoSchedule')).stdout).toBe('node/w1 tainted\n');
    expect((await kubectl('taint', 'node', 'w1', 'dedicated=other:NoSchedule')).stderr).toBe('error: Node w1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n');
    expect((await kubectl('taint', 'node', 'w1', 'dedicated=other:NoSchedule', '--overwrite')).stdout).toBe('node/w1 modified\n');
    expect((await node()).spec.taints).toEqual([{ key: 'dedicated', value: 'other', effect: 'NoSchedule' }]);
    expect((await kubectl('taint', 'node', 'w1', 'dedicated:NoSchedule-')).stdout).toBe('node/w1 untainted\n');
    expect((await node()).spec.taints).toBeUndefined();
    const absent = await kubectl('taint', 'node', 'w1', 'dedicated-');
    expect(absent).toEqual({ status: 1, stdout: '', stderr: 'error: taint "dedicated" not found\n' });
    expect((await kubectl('taint', 'node', 'w1', 'x=y:Never')).stderr).toBe('error: invalid taint effect: Never, unsupported taint effect\n');
  });

  it('annotate --overwrite and get -o jsonpath read the result back', async () => {
    expect((await kubectl('annotate', 'node', 'w1', 'kinstall.io/managed-labels=disktype')).stdout).toBe('node/w1 annotated\n');
    expect((await kubectl('annotate', 'node', 'w1', 'kinstall.io/managed-labels=')).status).toBe(1);
    expect((await kubectl('annotate', 'node', 'w1', 'kinstall.io/managed-labels=disktype,zone', '--overwrite')).status).toBe(0);
    const jp = await kubectl('get', 'node', 'w1', '-o', 'jsonpath={.metadata.annotations.kinstall\\.io/managed-labels}');
    expect(jp.stdout).toBe('disktype,zone');
  });
});

describe('apiserver field validation of labels, annotations and node taints (objectmeta.go, core validation.go)', () => {
  it('refuses bad label keys/values, annotation keys, taint effects and duplicate taints', async () => {
    const { contentErrors } = await import('../../../lab/simulators/src/common/apiserver/server.js');
    const { findResource } = await import('../../../lab/simulators/src/common/apiserver/resources.js');
    const nodes = findResource('', 'v1', 'nodes')!;
    const cms = findResource('', 'v1', 'configmaps')!;
    expect(contentErrors(cms, { metadata: { name: 'c', labels: { app: 'x', 'example.com/tier': '' }, annotations: { 'kinstall.io/x': 'any text' } } })).toEqual([]);
    expect(contentErrors(cms, { metadata: { name: 'c', labels: { 'bad key': 'v' } } })[0]).toMatch(/^metadata\.labels: Invalid value: "bad key": name part must consist/);
    expect(contentErrors(cms, { metadata: { name: 'c', labels: { k: 'a b' } } })[0]).toMatch(/^metadata\.labels: Invalid value: "a b": a valid label must be/);
    const errs = contentErrors(nodes, { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'Never' }, { key: 'b', effect: 'NoSchedule' }, { key: 'b', value: 'x', effect: 'NoSchedule' }] } });
    expect(errs).toEqual([
      'spec.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'spec.taints[2]: Duplicate value: "b:NoSchedule": taints must be unique by key and effect pair',
    ]);
  });
});
