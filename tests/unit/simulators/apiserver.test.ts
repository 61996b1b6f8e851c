import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../lab/simulators/src/common/kube-client.js';
import { parseApiserverFlags } from '../../../lab/simulators/src/common/apiserver/flags.js';
import { matchesFieldSelector, matchesLabelSelector, mergePatch } from '../../../lab/simulators/src/common/apiserver/patch.js';
import { parseResourcePath, startApiServer, type RunningApiServer } from '../../../lab/simulators/src/common/apiserver/server.js';
import { createCa, createCsr, issueCert, newPrivateKeyPem, type KeyPair } from '../../../lab/simulators/src/common/pki.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

describe('apiserver pure parts', () => {
  it('parses namespaced, cluster-scoped and subresource paths', () => {
    expect(parseResourcePath('/api/v1/namespaces/kube-system/configmaps/x')).toMatchObject({ namespace: 'kube-system', name: 'x', type: { resource: 'configmaps' } });
    expect(parseResourcePath('/api/v1/namespaces/kube-system')).toMatchObject({ name: 'kube-system', type: { resource: 'namespaces' } });
    expect(parseResourcePath('/api/v1/nodes/n1/status')).toMatchObject({ name: 'n1', subresource: 'status' });
    expect(parseResourcePath('/apis/apps/v1/namespaces/a/daemonsets')).toMatchObject({ namespace: 'a', type: { kind: 'DaemonSet' } });
    expect(parseResourcePath('/apis/extensions/v1beta1/namespaces/a/daemonsets')).toBeNull();
    expect(parseResourcePath('/healthz')).toBeNull();
  });
  it('merge patch follows RFC 7386', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] })).toEqual({ a: 1, b: { d: 3, e: 4 }, f: [1] });
  });
  it('label and field selectors', () => {
    expect(matchesLabelSelector({ app: 'x', tier: 'a' }, 'app=x,tier!=b')).toBe(true);
    expect(matchesLabelSelector({ app: 'x' }, 'app=y')).toBe(false);
    expect(matchesLabelSelector({ app: 'x' }, '!app')).toBe(false);
    expect(matchesFieldSelector({ metadata: { name: 'n' }, spec: { nodeName: 'a' } }, 'spec.nodeName=a,metadata.name!=m')).toBe(true);
    expect(matchesFieldSelector({ spec: { nodeName: 'a' } }, 'spec.nodeName=b')).toBe(false);
  });
  it('rejects unknown kube-apiserver flags like the real binary', () => {
    expect(parseApiserverFlags(['--secure-port=6443', '--allow-privileged=true']).get('secure-port')).toBe('6443');
    expect(() => parseApiserverFlags(['--no-such-flag=1'])).toThrow('Error: unknown flag: --no-such-flag');
  });
});

describe('apiserver simulator over HTTPS', () => {
  let dir: string;
  let ca: KeyPair;
  let server: RunningApiServer;
  let admin: KubeClient;
  let anon: KubeClient;
  let base: string;
  let test: TestApiServer;

  beforeAll(async () => {
    test = await startTestApiServer('apiserver', { clusterSigner: true, controllerIntervalMs: 100 });
    ({ dir, ca, server, base, admin } = test);
    anon = new KubeClient({ server: base, caPem: ca.certPem });
  }, 30_000);
  afterAll(async () => { await test?.close(); });

  it('serves /version and /healthz, the first also to anonymous users', async () => {
    expect((await admin.get('/version')).gitVersion).toBe('v1.28.15');
    const h = await anon.request('GET', '/healthz');
    expect(h).toEqual({ status: 200, body: 'ok' });
  });

  it('CRUD on configmaps with Status errors', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: '1' } };
    const created = await admin.request('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(created.status).toBe(201);
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const dup = await admin.request('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "c1" already exists' });
    const patched = await admin.must('PATCH', '/api/v1/namespaces/default/configmaps/c1', { data: { b: '2' } }, 'application/merge-patch+json');
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const stale = await admin.request('PUT', '/api/v1/namespaces/default/configmaps/c1', { ...cm, metadata: { name: 'c1', resourceVersion: created.body.metadata.resourceVersion } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const list = await admin.get('/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dc1');
    expect(list.kind).toBe('ConfigMapList');
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['c1']);
    expect((await admin.request('DELETE', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(200);
    const gone = await admin.request('GET', '/api/v1/namespaces/default/configmaps/c1');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('configmaps "c1" not found');
  });

  it('rejects bad bodies: wrong apiVersion, missing name, unknown namespace, unknown resource', async () => {
    const wrongVersion = await admin.request('POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'd' } });
    expect(wrongVersion.status).toBe(400);
    const noName = await admin.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: {} });
    expect(noName.status).toBe(422);
    expect(noName.body.message).toContain('metadata.name: Required value');
    const noNs = await admin.request('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } });
    expect(noNs.status).toBe(404);
    expect(noNs.body.message).toBe('namespaces "nope" not found');
    expect((await admin.request('GET', '/apis/policy/v1beta1/podsecuritypolicies')).status).toBe(404);
  });

  it('anonymous users get 403 except for cluster-info once kubeadm grants it', async () => {
    const denied = await anon.request('GET', '/api/v1/namespaces/kube-system/secrets');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" in the namespace "kube-system"');
    await admin.must('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'cluster-info' }, data: { kubeconfig: 'x' } });
    expect((await anon.request('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).status).toBe(403);
    // What kubeadm init creates (bootstrap-signer-clusterinfo Role + RoleBinding to system:anonymous).
    await admin.must('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles', { metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }] });
    await admin.must('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings', { metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
      subjects: [{ kind: 'User', name: 'system:anonymous' }] });
    expect((await anon.request('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).status).toBe(200);
    expect((await anon.request('GET', '/api/v1/namespaces/kube-public/configmaps')).status).toBe(403);
  });

  it('client certificates from another CA are not trusted; bad tokens are 401', async () => {
    const other = createCa('other');
    const cert = issueCert(other, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
    const foreign = new KubeClient({ server: base, caPem: ca.certPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem });
    expect((await foreign.request('GET', '/api/v1/namespaces/kube-system/secrets')).status).toBe(401);
    const badToken = new KubeClient({ server: base, caPem: ca.certPem, token: 'abcdef.0123456789abcdef' });
    const res = await badToken.request('GET', '/api/v1/namespaces');
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('Unauthorized');
  });

  it('bootstrap tokens authenticate as system:bootstrap:<id> until they expire, and their CSRs get signed', async () => {
    const secret = (id: string, exp: string) => ({
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}` },
      stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', expiration: exp, 'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' },
    });
    await admin.must('POST', '/api/v1/namespaces/kube-system/secrets', secret('abcdef', new Date(Date.now() + 3600_000).toISOString()));
    await admin.must('POST', '/api/v1/namespaces/kube-system/secrets', secret('expird', new Date(Date.now() - 1000).toISOString()));
    await admin.must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { metadata: { name: 'kubeadm:kubelet-bootstrap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
      subjects: [{ kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }] });
    const boot = new KubeClient({ server: base, caPem: ca.certPem, token: 'abcdef.0123456789abcdef' });
    const expired = new KubeClient({ server: base, caPem: ca.certPem, token: 'expird.0123456789abcdef' });
    expect((await expired.request('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests')).status).toBe(401);
    const forbidden = await boot.request('GET', '/api/v1/namespaces/kube-system/secrets');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('User "system:bootstrap:abcdef"');

    const csrPem = createCsr(newPrivateKeyPem(), 'system:node:worker1', ['system:nodes']);
    const created = await boot.must('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      metadata: { name: 'node-csr-1' }, spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'], username: 'forged', groups: [] } });
    expect(created.spec.username).toBe('system:bootstrap:abcdef');
    expect(created.metadata.name).toBe('node-csr-1');
    let signed: any;
    for (let i = 0; i < 50 && !signed?.status?.certificate; i++) {
      await new Promise((r) => setTimeout(r, 100));
      signed = await boot.get('/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1');
    }
    const certPem = Buffer.from(signed.status.certificate, 'base64').toString();
    const { X509Certificate } = await import('node:crypto');
    const x = new X509Certificate(certPem);
    expect(x.subject).toContain('CN=system:node:worker1');
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('TokenRequest issues service-account tokens that authenticate and obey RBAC', async () => {
    await admin.must('POST', '/api/v1/namespaces/kube-system/serviceaccounts', { metadata: { name: 'admin-user' } });
    const tooShort = await admin.request('POST', '/api/v1/namespaces/kube-system/serviceaccounts/admin-user/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 60 } });
    expect(tooShort.status).toBe(422);
    const tr = await admin.must('POST', '/api/v1/namespaces/kube-system/serviceaccounts/admin-user/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 3600 } });
    expect(tr.status.token.split('.')).toHaveLength(3);
    const user = new KubeClient({ server: base, caPem: ca.certPem, token: tr.status.token });
    const before = await user.request('GET', '/api/v1/nodes');
    expect(before.status).toBe(403);
    expect(before.body.message).toContain('system:serviceaccount:kube-system:admin-user');
    await admin.must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { metadata: { name: 'admin-user' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'admin-user', namespace: 'kube-system' }] });
    expect((await user.request('GET', '/api/v1/nodes')).status).toBe(200);
    await admin.must('DELETE', '/api/v1/namespaces/kube-system/serviceaccounts/admin-user');
    expect((await user.request('GET', '/api/v1/nodes')).status).toBe(401);
  });

  it('controller: DaemonSet pods go to Ready nodes whose taints they tolerate', async () => {
    const node = (name: string, taints: any[]) => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints },
      status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    await admin.must('POST', '/api/v1/nodes', node('cp1', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]));
    await admin.must('POST', '/api/v1/nodes', node('w1', []));
    await admin.must('POST', '/apis/apps/v1/namespaces/kube-system/daemonsets', { metadata: { name: 'proxy' },
      spec: { selector: { matchLabels: { app: 'p' } }, template: { metadata: { labels: { app: 'p' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
    let ds: any;
    for (let i = 0; i < 30 && ds?.status?.desiredNumberScheduled === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ds = await admin.get('/apis/apps/v1/namespaces/kube-system/daemonsets/proxy');
    }
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 0 });
    const pods = await admin.get('/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dp');
    expect(pods.items.map((p: any) => p.spec.nodeName)).toEqual(['w1']);
  });

  it('--anonymous-auth=false turns credential-less requests into 401', async () => {
    const serving = issueCert(ca, { cn: 'kube-apiserver', usage: 'server', ips: ['127.0.0.1'] });
    const strict = await startApiServer({
      bindAddress: '127.0.0.1', port: 0, tlsCertPem: serving.certPem, tlsKeyPem: serving.keyPem, clientCaPem: ca.certPem,
      serviceAccount: { issuer: 'x', verifyKeyPems: [] }, storageDir: path.join(dir, 'etcd-strict'), gitVersion: 'v1.28.15', anonymousAuth: false,
    });
    try {
      const res = await new KubeClient({ server: `https://127.0.0.1:${strict.port}`, caPem: ca.certPem }).request('GET', '/healthz');
      expect(res.status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('state survives a restart (the JSON store is the etcd)', async () => {
    await admin.must('POST', '/api/v1/namespaces', { metadata: { name: 'persisted' } });
    const { ObjectStore } = await import('../../../lab/simulators/src/common/apiserver/store.js');
    const reopened = new ObjectStore(path.join(dir, 'etcd'));
    const ns = reopened.get({ group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false }, '', 'persisted');
    expect(ns?.metadata.name).toBe('persisted');
  });
});
