import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../lab/simulators/src/common/apiserver/defaults.js';
import { pruneUnknownFields } from '../../../lab/simulators/src/common/apiserver/field-validation.js';
import { openApiGroupVersionDoc, openApiIndex } from '../../../lab/simulators/src/common/apiserver/openapi.js';
import { patchMetaOf } from '../../../lab/simulators/src/common/apiserver/patch-meta.js';
import { decodeProtobufBody } from '../../../lab/simulators/src/common/apiserver/protobuf.js';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { strategicMergePatch } from '../../../lab/simulators/src/common/apiserver/strategic-merge.js';
import { humanDuration, toTable, wantsTable } from '../../../lab/simulators/src/common/apiserver/table.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/** The apiserver simulator's pieces for real kubectl, without the binary (real-kubectl.test.ts runs it). */

const ds = patchMetaOf('DaemonSet');
const smp = (original: any, patch: any, kind = 'DaemonSet') => strategicMergePatch(original, patch, patchMetaOf(kind)) as any;
const podOf = (spec: any) => ({ spec: { template: { spec } } });

describe('strategic merge patch (apimachinery strategicpatch/patch.go)', () => {
  it('merges containers by name and env by name; a $patch: delete element removes by merge key', () => {
    const orig = podOf({ containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', image: 'b:1' }] });
    const out = smp(orig, podOf({ containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', $patch: 'delete' }] }] }));
    expect(out.spec.template.spec.containers).toEqual([{ name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }]);
  });
  it('ports merge by containerPort, volumeMounts by mountPath, volumes by name; tolerations are replaced whole', () => {
    const orig = podOf({
      containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ mountPath: '/x', name: 'v1' }] }],
      volumes: [{ name: 'v1', emptyDir: {} }], tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }],
    });
    const out = smp(orig, podOf({
      containers: [{ name: 'a', ports: [{ containerPort: 443 }], volumeMounts: [{ mountPath: '/x', readOnly: true }] }],
      volumes: [{ name: 'v2', hostPath: { path: '/h' } }], tolerations: [{ key: 'c', operator: 'Exists' }],
    })).spec.template.spec;
    // Without $setElementOrder, patch items not in the live list go first (mergeSortedSlice).
    expect(out.containers[0].ports).toEqual([{ containerPort: 443 }, { containerPort: 80, name: 'http' }]);
    expect(out.containers[0].volumeMounts).toEqual([{ mountPath: '/x', name: 'v1', readOnly: true }]);
    expect(out.volumes.map((v: any) => v.name)).toEqual(['v2', 'v1']);
    expect(out.tolerations).toEqual([{ key: 'c', operator: 'Exists' }]);
  });
  it('$setElementOrder orders the merged list; $deleteFromPrimitiveList removes from a merge list of scalars', () => {
    const orig = { metadata: { finalizers: ['a', 'b', 'c'] }, ...podOf({ containers: [{ name: 'a' }, { name: 'b' }] }) };
    const out = smp(orig, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] },
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }], containers: [{ name: 'c' }] } } },
    });
    expect(out.metadata.finalizers).toEqual(['a', 'c']);
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['c', 'b', 'a']);
  });
  it('$patch: replace on a map and on a list, $patch: delete on a map, null deletes a key', () => {
    const orig = { metadata: { labels: { a: '1', b: '2' } }, ...podOf({ containers: [{ name: 'a' }, { name: 'b' }], nodeSelector: { x: 'y' } }) };
    const out = smp(orig, {
      metadata: { labels: { $patch: 'replace', c: '3' } },
      spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'z' }], nodeSelector: { $patch: 'delete' }, hostNetwork: null } } },
    });
    expect(out.metadata.labels).toEqual({ c: '3' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'z' }]);
    expect(out.spec.template.spec.nodeSelector).toEqual({});
  });
  it('$retainKeys clears the other keys of a retainKeys struct (Deployment strategy)', () => {
    const orig = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out = smp(orig, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'Deployment');
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    expect(() => smp(orig, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, 'Deployment')).toThrow('invalid patch format of retainKeys');
  });
  it('errors as the apiserver maps them: bad directives 500, missing merge keys, lists of lists 422', () => {
    const orig = podOf({ containers: [{ name: 'a' }] });
    expect(() => smp(orig, podOf({ containers: [{ $patch: 'merge' }] }))).toThrow('merging lists cannot yet be specified in the patch');
    expect(() => smp(orig, podOf({ containers: [{ image: 'x' }] }))).toThrow('does not contain declared merge key: name');
    expect(() => smp({ metadata: { labels: {} } }, { metadata: { labels: { $patch: 'bogus' } } })).toThrow('unknown patch type: bogus in map: map[$patch:bogus]');
    try { smp({ spec: { template: { spec: { containers: [[1]] } } } }, podOf({ containers: [[2]] })); expect.fail('no error'); } catch (e) { expect((e as any).code).toBe(422); }
    expect(ds.metadata).toBeDefined();
  });
});

describe('server-side Table (printers.go)', () => {
  const node = { metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }], nodeInfo: { kubeletVersion: 'v1.32.3' } } };
  it('node columns with priorities, cells with roles and SchedulingDisabled', () => {
    const t: any = toTable(findResource('', 'v1', 'nodes')!, [node], '7', null, 'v1', Date.parse('2026-01-01T00:05:00Z'));
    expect(t.columnDefinitions.map((c: any) => [c.name, c.priority])).toEqual([['Name', 0], ['Status', 0], ['Roles', 0], ['Age', 0], ['Version', 0],
      ['Internal-IP', 1], ['External-IP', 1], ['OS-Image', 1], ['Kernel-Version', 1], ['Container-Runtime', 1]]);
    expect(t.rows[0].cells).toEqual(['n1', 'NotReady,SchedulingDisabled', 'control-plane', '5m', 'v1.32.3', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: node.metadata });
  });
  it('pods: ready count, waiting reason, restarts; kinds without a printer: Name and Created At', () => {
    const pod = { metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'n1' },
      status: { phase: 'Pending', containerStatuses: [{ name: 'a', ready: true, restartCount: 2, state: { running: {} } }, { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'ImagePullBackOff' } } }] } };
    const t: any = toTable(findResource('', 'v1', 'pods')!, [pod], '1', null, 'v1', Date.parse('2026-01-01T00:00:30Z'));
    expect(t.rows[0].cells).toEqual(['p', '1/2', 'ImagePullBackOff', '3', '30s', '<none>', 'n1', '<none>', '<none>']);
    const cr: any = toTable(findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!, [{ metadata: { name: 'x', creationTimestamp: 't' } }], '1', 'None');
    expect(cr.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Created At']);
    expect(cr.rows[0].object).toBeNull();
  });
  it('HumanDuration and Accept negotiation', () => {
    expect([119, 120, 599, 600, 3 * 3600, 7 * 3600 + 60, 47 * 3600, 3 * 86400 + 3600, 400 * 86400].map((s) => humanDuration(s * 1000)))
      .toEqual(['119s', '2m', '9m59s', '10m', '3h', '7h1m', '47h', '3d1h', '400d']);
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe('v1');
    expect(wantsTable('application/json, */*')).toBeUndefined();
  });
});

describe('OpenAPI v3, field validation, defaults, protobuf', () => {
  it('publishes fieldValidation on PATCH per GVK and no type schemas', () => {
    const idx: any = openApiIndex('v1.28.15');
    expect(idx.paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc: any = openApiGroupVersionDoc('apis/apps/v1', 'v1.28.15');
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    expect(Object.keys(patch.requestBody.content)).toEqual(['application/merge-patch+json', 'application/strategic-merge-patch+json']);
    expect(Object.values(doc.components.schemas).some((s: any) => s['x-kubernetes-group-version-kind'])).toBe(false);
    expect(openApiGroupVersionDoc('apis/batch/v1', 'v1.28.15')).toBeUndefined();
  });
  it('finds unknown fields at their JSON path and drops them', () => {
    const obj: any = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x', labelz: {} },
      spec: { template: { spec: { containers: [{ name: 'a', imagePullPolicyy: 'Always', env: [{ name: 'E', valu: '1' }] }] } } } };
    expect(pruneUnknownFields('DaemonSet', obj)).toEqual(['metadata.labelz', 'spec.template.spec.containers[0].imagePullPolicyy', 'spec.template.spec.containers[0].env[0].valu']);
    expect(obj.spec.template.spec.containers[0]).toEqual({ name: 'a', env: [{ name: 'E' }] });
    expect(pruneUnknownFields('Lease', { spec: { anything: 1 } })).toEqual([]);
  });
  it('defaults DaemonSet and Deployment strategies as apps/v1 defaults.go', () => {
    const d: any = { spec: {} };
    applyDefaults('DaemonSet', d, true);
    expect(d.spec).toEqual({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
    const dep: any = { spec: { strategy: { type: 'Recreate' } } };
    applyDefaults('Deployment', dep, true);
    expect(dep.spec).toEqual({ strategy: { type: 'Recreate' }, replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
  });
  it('decodes a protobuf TokenRequest (k8s envelope, runtime.Unknown)', () => {
    const field = (no: number, payload: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2, payload.length]), payload]);
    const typeMeta = Buffer.concat([field(1, Buffer.from('authentication.k8s.io/v1')), field(2, Buffer.from('TokenRequest'))]);
    const spec = Buffer.concat([field(1, Buffer.from('aud1')), Buffer.from([(4 << 3) | 0, 0x90, 0x1c])]); // expirationSeconds 3600
    const raw = Buffer.concat([field(1, field(1, Buffer.from('sa'))), field(2, spec)]);
    const body = Buffer.concat([Buffer.from('k8s\0'), field(1, typeMeta), field(2, raw)]);
    expect(decodeProtobufBody(body)).toEqual({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'sa' }, spec: { audiences: ['aud1'], expirationSeconds: 3600 } });
    expect(() => decodeProtobufBody(Buffer.from('{}'))).toThrow('missing "k8s\\0" prefix');
  });
});

describe('watch over HTTPS (ObjectStore.onChange)', () => {
  let api: TestApiServer;
  beforeAll(async () => { api = await startTestApiServer('watch', { controllerIntervalMs: 3_600_000 }); });
  afterAll(async () => { await api?.close(); });

  /** Reads a watch stream until `count` events arrived. */
  async function events(path: string, count: number, during: () => Promise<void>): Promise<any[]> {
    const { default: https } = await import('node:https');
    const url = new URL(path, api.base);
    const cfg = (api.admin as any).config;
    return new Promise((resolve, reject) => {
      const got: any[] = [];
      const req = https.get(url, { ca: cfg.caPem, cert: cfg.clientCertPem, key: cfg.clientKeyPem }, (res) => {
        expect(res.statusCode).toBe(200);
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            got.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1);
            if (got.length === count) { req.destroy(); resolve(got); }
          }
        });
        res.on('end', () => resolve(got));
        void during().catch(reject);
      });
      req.on('error', (e) => { if (got.length < count) reject(e); });
    });
  }

  it('replays from a resourceVersion, reports selector transitions, ends at timeoutSeconds', async () => {
    const list = await api.admin.get('/api/v1/namespaces/default/configmaps');
    const rv = list.metadata.resourceVersion;
    const got = await events(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&labelSelector=app%3Dx`, 3, async () => {
      await api.admin.create('/api/v1/namespaces/default/configmaps', { metadata: { name: 'w1', labels: { app: 'x' } } });
      await api.admin.create('/api/v1/namespaces/default/configmaps', { metadata: { name: 'other' } });
      await api.admin.mergePatch('/api/v1/namespaces/default/configmaps/w1', { data: { a: '1' } });
      await api.admin.mergePatch('/api/v1/namespaces/default/configmaps/w1', { metadata: { labels: { app: 'y' } } });
    });
    expect(got.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'w1'], ['MODIFIED', 'w1'], ['DELETED', 'w1']]);
    expect(got[0].object.kind).toBe('ConfigMap');
    const ended = await events('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dnone&timeoutSeconds=1', 99, async () => {});
    expect(ended).toEqual([]);
    const expired = await events('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1', 1, async () => {});
    expect(expired[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });
});
