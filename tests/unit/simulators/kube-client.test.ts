import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../../lab/simulators/src/common/apiserver/server.js';
import { ApiError, KubeClient } from '../../../lab/simulators/src/common/kube-client.js';
import { buildKubeconfig, KubeconfigError, parseKubeconfig, readKubeconfig } from '../../../lab/simulators/src/common/kubeconfig.js';
import { createCa, issueCert, type KeyPair } from '../../../lab/simulators/src/common/pki.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig whose credentials are files, named relative to the kubeconfig's own directory. */
function fileKubeconfig(namespace?: string): string {
  return YAML.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'me@lab',
    clusters: [{ name: 'lab', cluster: { server: 'https://127.0.0.1:6443/', 'certificate-authority': 'pki/ca.crt' } }],
    contexts: [{ name: 'me@lab', context: { cluster: 'lab', user: 'me', ...(namespace ? { namespace } : {}) } }],
    users: [{ name: 'me', user: { 'client-certificate': 'pki/me.crt', 'client-key': '/abs/ignored-when-data-wins', 'client-key-data': b64('KEY') } }],
  });
}

describe('kubeconfig reader', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubeconfig-'));
    fs.mkdirSync(path.join(dir, 'pki'));
    fs.writeFileSync(path.join(dir, 'pki/ca.crt'), 'CA PEM');
    fs.writeFileSync(path.join(dir, 'pki/me.crt'), 'CERT PEM');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips what buildKubeconfig writes', () => {
    const text = buildKubeconfig({ server: 'https://10.77.0.11:6443', caPem: 'CA', clientCertPem: 'C', clientKeyPem: 'K', user: 'kubernetes-admin', cluster: 'kubernetes' });
    expect(parseKubeconfig(text)).toEqual({ server: 'https://10.77.0.11:6443', caPem: 'CA', clientCertPem: 'C', clientKeyPem: 'K', token: undefined,
      user: 'kubernetes-admin', cluster: 'kubernetes', namespace: undefined });
  });

  it('resolves relative credential files against the kubeconfig directory, not the working directory', () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, fileKubeconfig('team-a'));
    const kc = readKubeconfig(file);
    expect(kc).toMatchObject({ server: 'https://127.0.0.1:6443', caPem: 'CA PEM', clientCertPem: 'CERT PEM', clientKeyPem: 'KEY', namespace: 'team-a' });
    expect(process.cwd()).not.toBe(dir);
  });

  it('explains why a kubeconfig is unusable', () => {
    const bad = (text: string) => () => parseKubeconfig(text, 'x.conf', dir);
    expect(bad('')).toThrow('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
    expect(bad('kind: Pod\n')).toThrow('invalid configuration: x.conf is not a kubeconfig (kind: Config)');
    expect(bad('kind: Config\ncurrent-context: nope\n')).toThrow('invalid configuration: context was not found for specified context: nope');
    const noServer = fileKubeconfig().replace(/ *server: .*\n/, '');
    expect(bad(noServer)).toThrow('invalid configuration: no server found for cluster "lab"');
    const noCa = fileKubeconfig().replace(/ *certificate-authority: .*\n/, '');
    expect(bad(noCa)).toThrow('invalid configuration: cluster "lab" has no certificate-authority: the simulators always verify TLS');
    expect(bad('a: [')).toThrow(KubeconfigError);
  });

  it('a missing file names the file and keeps the errno text (kubectl turns ENOENT into localhost:8080)', () => {
    const missing = path.join(dir, 'absent.conf');
    expect(() => readKubeconfig(missing)).toThrow(new KubeconfigError(`error loading config file "${missing}": ENOENT: no such file or directory, open '${missing}'`));
  });
});

describe('KubeClient against the apiserver simulator', () => {
  let dir: string;
  let ca: KeyPair;
  let server: RunningApiServer;
  let admin: KubeClient;
  let base: string;
  let test: TestApiServer;

  beforeAll(async () => {
    test = await startTestApiServer('kube-client');
    ({ dir, ca, server, base, admin } = test);
  }, 30_000);
  afterAll(async () => { await test?.close(); });

  it('refuses to exist without a CA, and a server signed by another CA fails the handshake', async () => {
    expect(() => new KubeClient({ server: base, caPem: '' })).toThrow('the simulators always verify TLS');
    // A kubeconfig server URL may end in a slash; paths still join to one.
    expect((await new KubeClient({ ...admin.config, server: `${base}/` }).get('/version')).gitVersion).toBe('v1.28.15');
    const stranger = new KubeClient({ server: base, caPem: createCa('other').certPem });
    await expect(stranger.request('GET', '/healthz')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('verifies TLS even when NODE_TLS_REJECT_UNAUTHORIZED=0 asks Node not to', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      await expect(new KubeClient({ server: base, caPem: createCa('other').certPem }).raw('/healthz')).rejects.toThrow(/certificate/i);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED; else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });

  it('request answers every status; must and the verbs throw ApiError with the Status reason', async () => {
    expect(await admin.request('GET', '/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await admin.raw('/healthz')).toBe('ok');
    const missing = await admin.request('GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    const err = await admin.get('/api/v1/namespaces/default/configmaps/nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, reason: 'NotFound', message: 'configmaps "nope" not found', body: { kind: 'Status', code: 404 } });
    await expect(admin.raw('/api/v1/namespaces/default/configmaps/nope')).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
    const anon = new KubeClient({ server: base, caPem: ca.certPem });
    await expect(anon.get('/api/v1/namespaces/kube-system/secrets')).rejects.toMatchObject({ status: 403, reason: 'Forbidden' });
  });

  it('create, mergePatch, apply (create or replace) and delete', async () => {
    const cms = '/api/v1/namespaces/default/configmaps';
    await admin.create(cms, { metadata: { name: 'c1' }, data: { a: '1' } });
    await expect(admin.create(cms, { metadata: { name: 'c1' } })).rejects.toMatchObject({ status: 409, reason: 'AlreadyExists' });
    expect((await admin.mergePatch(`${cms}/c1`, { data: { b: '2' } })).data).toEqual({ a: '1', b: '2' });
    expect((await admin.apply(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { c: '3' } })).data).toEqual({ c: '3' });
    expect((await admin.apply(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' }, data: {} })).metadata.name).toBe('c2');
    await admin.delete(`${cms}/c1`);
    expect((await admin.request('GET', `${cms}/c1`)).status).toBe(404);
  });

  it('a server that never answers fails with client-go\'s deadline text', async () => {
    const serving = issueCert(ca, { cn: 'silent', usage: 'server', ips: ['127.0.0.1'] });
    const silent = https.createServer({ cert: serving.certPem, key: serving.keyPem }, () => { /* never responds */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const client = new KubeClient({ server: `https://127.0.0.1:${port}`, caPem: ca.certPem }, 300);
      await expect(client.get('/version')).rejects.toThrow(`Get "https://127.0.0.1:${port}/version": context deadline exceeded`);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  describe('the kubectl bundle uses the same reader and client', () => {
    let out: string;
    let kubeconfig: string;
    beforeAll(() => {
      out = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubectl-bundle-'));
      execFileSync('node', ['lab/simulators/build.mjs', '--outdir', out, 'kubectl'], { stdio: 'pipe' });
      // Credentials as files beside the kubeconfig, named relatively: kubectl runs from another cwd.
      const cert = issueCert(ca, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
      const conf = path.join(dir, 'kube');
      fs.mkdirSync(conf);
      fs.writeFileSync(path.join(conf, 'ca.crt'), ca.certPem);
      fs.writeFileSync(path.join(conf, 'admin.pem'), cert.certPem + cert.keyPem);
      kubeconfig = path.join(conf, 'config');
      fs.writeFileSync(kubeconfig, YAML.stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'admin',
        clusters: [{ name: 'k', cluster: { server: base, 'certificate-authority': 'ca.crt' } }],
        contexts: [{ name: 'admin', context: { cluster: 'k', user: 'admin', namespace: 'kube-public' } }],
        users: [{ name: 'admin', user: { 'client-certificate': 'admin.pem', 'client-key': 'admin.pem' } }],
      }));
    }, 60_000);
    afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
    // Asynchronous: the apiserver simulator answers from this very process.
    const kubectl = (args: string[], env: NodeJS.ProcessEnv = { KUBECONFIG: kubeconfig }) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(path.join(out, 'kubectl.js'), args, { encoding: 'utf8', cwd: os.tmpdir(), env: { ...process.env, ...env } },
          (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }));
      });

    it('reads file credentials relative to the kubeconfig and defaults to its namespace', async () => {
      await admin.create('/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'here' } });
      const res = await kubectl(['get', 'configmaps', 'here', '-o', 'jsonpath={.metadata.namespace}']);
      expect(res.stderr).toBe('');
      expect(res.stdout).toBe('kube-public');
      expect(res.status).toBe(0);
    });

    it('keeps kubectl\'s texts for API errors and a missing kubeconfig', async () => {
      const notFound = await kubectl(['get', 'configmaps', 'nope']);
      expect(notFound.status).toBe(1);
      expect(notFound.stderr).toBe('Error from server (NotFound): configmaps "nope" not found\n');
      const none = await kubectl(['get', 'nodes'], { KUBECONFIG: path.join(dir, 'absent') });
      expect(none.stderr).toBe('The connection to the server localhost:8080 was refused - did you specify the right host or port?\n');
      expect(none.status).toBe(1);
    });
  });
});
