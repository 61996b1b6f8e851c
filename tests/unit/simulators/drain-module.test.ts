import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { issueCert } from '../../../lab/simulators/src/common/pki.js';
import { KinstallError } from '../../../src/errors.js';
import { describeDrainPlan, drainNode, readDrainState, uncordonNode } from '../../../src/kube/drain.js';
import type { ExecOptions, ExecResult } from '../../../src/ssh/types.js';
import { ShellRemote } from '../lock/shell-remote.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/**
 * kinstall's drain module end to end on this machine: its rendered scripts run by sh, with the
 * kubectl simulator (on PATH as `kubectl`) talking to the apiserver simulator, admin.conf
 * pointed at a test kubeconfig. What the lab test does over SSH, minus the hosts.
 */

const pods = findResource('', 'v1', 'pods')!;
const pdbs = findResource('policy', 'v1', 'poddisruptionbudgets')!;

class LocalControlPlane extends ShellRemote {
  constructor(private readonly binDir: string, private readonly kubeconfig: string) { super('cp1'); }
  override exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    const local = script.split('/etc/kubernetes/admin.conf').join(this.kubeconfig);
    return super.exec(`export PATH=${this.binDir}:$PATH KINSTALL_SIM_EVICT_RETRY_MS=400\n${local}`, opts);
  }
}

describe('drainNode against the simulators', () => {
  let api: TestApiServer;
  let dir: string;
  let cp: LocalControlPlane;
  let kubelet: NodeJS.Timeout;
  beforeAll(async () => {
    api = await startTestApiServer('drain-module', { controllerIntervalMs: 150 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-drain-module-'));
    execFileSync('node', ['lab/simulators/build.mjs', '--outdir', dir, 'kubectl'], { stdio: 'pipe' });
    fs.symlinkSync(path.join(dir, 'kubectl.js'), path.join(dir, 'kubectl'));
    const cert = issueCert(api.ca, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
    const kubeconfig = path.join(dir, 'admin.conf');
    fs.writeFileSync(kubeconfig, YAML.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'admin',
      clusters: [{ name: 'k', cluster: { server: api.base, 'certificate-authority-data': Buffer.from(api.ca.certPem).toString('base64') } }],
      contexts: [{ name: 'admin', context: { cluster: 'k', user: 'admin' } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': Buffer.from(cert.certPem).toString('base64'), 'client-key-data': Buffer.from(cert.keyPem).toString('base64') } }],
    }));
    cp = new LocalControlPlane(dir, kubeconfig);
    for (const n of ['w1', 'w2']) {
      await api.admin.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
      await api.admin.request('PUT', `/api/v1/nodes/${n}/status`, { apiVersion: 'v1', kind: 'Node', metadata: { name: n }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    }
    await api.admin.create('/apis/apps/v1/namespaces/default/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } });
    await api.admin.create('/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } } });
    await api.admin.create('/apis/policy/v1/namespaces/default/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    kubelet = setInterval(() => {
      const s = api.server.store;
      for (const p of s.list(pods)) if (p.status?.phase !== 'Running') s.update(pods, p.metadata.namespace, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, metadata: { ...p.metadata, resourceVersion: undefined } });
    }, 100);
    for (let i = 0; i < 100 && api.server.store.get(pdbs, 'default', 'web')?.status?.disruptionsAllowed !== 1; i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);
  afterAll(async () => { clearInterval(kubelet); await api?.close(); fs.rmSync(dir, { recursive: true, force: true }); });
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
