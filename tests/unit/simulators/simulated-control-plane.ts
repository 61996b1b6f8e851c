import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { issueCert } from '../../../lab/simulators/src/common/pki.js';
import type { ExecOptions, ExecResult } from '../../../src/ssh/types.js';
import { ShellRemote } from '../lock/shell-remote.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/**
 * A control plane on THIS machine for kinstall's kubectl scripts: they run with sh, the kubectl
 * simulator on PATH as `kubectl`, talking to an apiserver simulator, /etc/kubernetes/admin.conf
 * pointed at a test kubeconfig. What the lab tests do over SSH, minus the hosts.
 */
class LocalControlPlane extends ShellRemote {
  constructor(private readonly binDir: string, private readonly kubeconfig: string) { super('cp1'); }
  override exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    const local = script.split('/etc/kubernetes/admin.conf').join(this.kubeconfig);
    return super.exec(`export PATH=${this.binDir}:$PATH KINSTALL_SIM_EVICT_RETRY_MS=400\n${local}`, opts);
  }
}

export interface SimulatedControlPlane {
  api: TestApiServer;
  cp: ShellRemote;
  /** Where the kubectl simulator is (`kubectl`, `kubectl.js`) and the admin kubeconfig for it. */
  binDir: string;
  kubeconfig: string;
  close(): Promise<void>;
}

export async function simulatedControlPlane(name: string, opts: { controllerIntervalMs?: number } = {}): Promise<SimulatedControlPlane> {
  const api = await startTestApiServer(name, opts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kinstall-${name}-`));
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
  return {
    api, cp: new LocalControlPlane(dir, kubeconfig), binDir: dir, kubeconfig,
    close: async () => { await api.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

const pods = findResource('', 'v1', 'pods')!;

/**
 * What a drain works on: Ready nodes w1 and w2, a DaemonSet "agent", a Deployment "web" (2
 * replicas) with a PodDisruptionBudget minAvailable 1, and a stand-in for the kubelets that turns
 * every pod Running and Ready shortly after it is created. Returns the function that stops it.
 */
export async function seedDrainFixture(api: TestApiServer): Promise<() => void> {
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
  const kubelet = setInterval(() => {
    const s = api.server.store;
    for (const p of s.list(pods)) if (p.status?.phase !== 'Running') s.update(pods, p.metadata.namespace, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, metadata: { ...p.metadata, resourceVersion: undefined } });
  }, 100);
  return () => clearInterval(kubelet);
}
