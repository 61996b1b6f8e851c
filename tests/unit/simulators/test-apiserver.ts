import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiServer, type RunningApiServer } from '../../../lab/simulators/src/common/apiserver/server.js';
import { KubeClient } from '../../../lab/simulators/src/common/kube-client.js';
import { createCa, issueCert, newServiceAccountKeys, type KeyPair } from '../../../lab/simulators/src/common/pki.js';

/** The apiserver simulator on 127.0.0.1 with a fresh CA, for the simulator unit tests. */
export interface TestApiServer {
  dir: string;
  ca: KeyPair;
  server: RunningApiServer;
  /** https://127.0.0.1:PORT */
  base: string;
  /** A system:masters client, like kubeadm's admin.conf. */
  admin: KubeClient;
  close(): Promise<void>;
}

/** clusterSigner: the CA also signs CSRs (kubelet TLS bootstrap); controllerIntervalMs: how often its controllers run. */
export async function startTestApiServer(name: string, opts: { clusterSigner?: boolean; controllerIntervalMs?: number } = {}): Promise<TestApiServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kinstall-${name}-`));
  const ca = createCa('kubernetes');
  const sa = newServiceAccountKeys();
  const serving = issueCert(ca, { cn: 'kube-apiserver', usage: 'server', ips: ['127.0.0.1'], dnsNames: ['localhost'] });
  const server = await startApiServer({
    bindAddress: '127.0.0.1', port: 0, tlsCertPem: serving.certPem, tlsKeyPem: serving.keyPem, clientCaPem: ca.certPem,
    serviceAccount: { issuer: 'https://kubernetes.default.svc.cluster.local', signingKeyPem: sa.keyPem, verifyKeyPems: [sa.pubPem] },
    storageDir: path.join(dir, 'etcd'), gitVersion: 'v1.28.15',
    ...(opts.clusterSigner ? { clusterSigner: ca } : {}),
    ...(opts.controllerIntervalMs ? { controllerIntervalMs: opts.controllerIntervalMs } : {}),
  });
  const base = `https://127.0.0.1:${server.port}`;
  const adminCert = issueCert(ca, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
  const admin = new KubeClient({ server: base, caPem: ca.certPem, clientCertPem: adminCert.certPem, clientKeyPem: adminCert.keyPem });
  return {
    dir, ca, server, base, admin,
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
