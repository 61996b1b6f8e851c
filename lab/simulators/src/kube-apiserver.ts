import fs from 'node:fs';
import path from 'node:path';
import { parseApiserverFlags } from './common/apiserver/flags.js';
import { startApiServer } from './common/apiserver/server.js';
import { ObjectStore } from './common/apiserver/store.js';
import { EtcdBackend } from './common/apiserver/store-etcd.js';
import { runEtcdStoreWorker } from './common/apiserver/store-etcd-worker.js';
import { etcdClient, type EtcdConnection } from './common/etcd/client.js';
import { realpathSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { versionFromImage } from './common/kubeadm/upgrade-policy.js';
import { SIMULATOR_MARK, simulatorVersions } from './common/version.js';

/** The JSON store when no --etcd-servers is given; KINSTALL_ETCD_SIMULATOR_DIR exists for tests only. */
const STORAGE_DIR = process.env.KINSTALL_ETCD_SIMULATOR_DIR ?? '/var/lib/etcd-simulator';

function required(flags: Map<string, string>, name: string): string {
  const v = flags.get(name);
  if (!v) throw new Error(`Error: --${name} is required by the kinstall lab simulator`);
  return v;
}

/**
 * The version /version reports: the kubelet simulator passes the static pod's image, whose tag is
 * the version a real kube-apiserver container would be (so kubeadm upgrade apply's new manifest
 * changes it); started by hand, the package's own version.
 */
function servedVersion(image: string | undefined): string {
  return versionFromImage(image) ?? `v${simulatorVersions().kubernetes}`;
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--version')) {
    process.stdout.write(`Kubernetes v${simulatorVersions().kubernetes} ${SIMULATOR_MARK}\n`);
    return;
  }
  const flags = parseApiserverFlags(argv);
  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const clientCa = required(flags, 'client-ca-file');
  // The controller-manager would sign CSRs with ca.key; the simulator runs that loop itself.
  const caKeyFile = path.join(path.dirname(clientCa), 'ca.key');
  const store = await openStore(flags);
  const saKeyFiles = (flags.get('service-account-key-file') ?? '').split(',').filter(Boolean);
  const server = await startApiServer({
    // Like the real apiserver: all addresses unless --bind-address (the advertise address is among them).
    bindAddress: flags.get('bind-address') ?? '0.0.0.0',
    port: Number(flags.get('secure-port') ?? '6443'),
    tlsCertPem: read(required(flags, 'tls-cert-file')),
    tlsKeyPem: read(required(flags, 'tls-private-key-file')),
    clientCaPem: read(clientCa),
    clusterSigner: fs.existsSync(caKeyFile) ? { certPem: read(clientCa), keyPem: read(caKeyFile) } : undefined,
    serviceAccount: {
      issuer: required(flags, 'service-account-issuer'),
      signingKeyPem: flags.has('service-account-signing-key-file') ? read(flags.get('service-account-signing-key-file')!) : undefined,
      verifyKeyPems: saKeyFiles.map(read),
    },
    storageDir: STORAGE_DIR,
    store,
    anonymousAuth: flags.get('anonymous-auth') !== 'false',
    gitVersion: servedVersion(process.env.KINSTALL_SIM_APISERVER_IMAGE),
  });
  process.stderr.write(`kube-apiserver ${SIMULATOR_MARK}: serving on port ${server.port}\n`);
  const stop = () => { void server.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * --etcd-servers (kubeadm always passes it): objects live in that etcd, reached with
 * --etcd-cafile/--etcd-certfile/--etcd-keyfile. Like kube-apiserver, wait for etcd before serving
 * (the kubelet starts the etcd and apiserver static pods together).
 */
async function openStore(flags: Map<string, string>): Promise<ObjectStore | undefined> {
  const servers = flags.get('etcd-servers');
  if (!servers) return undefined;
  const conn: EtcdConnection = {
    endpoints: servers.split(',').filter(Boolean),
    caFile: flags.get('etcd-cafile'), certFile: flags.get('etcd-certfile'), keyFile: flags.get('etcd-keyfile'),
  };
  const probe = etcdClient(conn);
  try {
    for (let waited = 0; ; waited += 2) {
      try { await probe.get('/registry/health').exec(); break; } catch (e) {
        if (waited % 10 === 0) process.stderr.write(`W kube-apiserver ${SIMULATOR_MARK}: etcd at ${servers} not ready: ${(e as Error).message}\n`);
        if (waited >= 300) throw new Error(`F kube-apiserver: failed to reach etcd at ${servers} for 5 minutes: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  } finally {
    probe.close();
  }
  // The store's worker thread runs this same file (see the bottom of it).
  return new ObjectStore(new EtcdBackend(conn, realpathSync(process.argv[1]!)));
}

if (!isMainThread) runEtcdStoreWorker();
else main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
