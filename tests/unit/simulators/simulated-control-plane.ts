import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
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
    api, cp: new LocalControlPlane(dir, kubeconfig),
    close: async () => { await api.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
