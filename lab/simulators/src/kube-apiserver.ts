import fs from 'node:fs';
import path from 'node:path';
import { parseApiserverFlags } from './common/apiserver/flags.js';
import { startApiServer } from './common/apiserver/server.js';
import { versionFromImage } from './common/kubeadm/upgrade-policy.js';
import { SIMULATOR_MARK, simulatorVersions } from './common/version.js';

/** Storage of the simulated etcd; KINSTALL_ETCD_SIMULATOR_DIR exists for tests only. */
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
    anonymousAuth: flags.get('anonymous-auth') !== 'false',
    gitVersion: servedVersion(process.env.KINSTALL_SIM_APISERVER_IMAGE),
  });
  process.stderr.write(`kube-apiserver ${SIMULATOR_MARK}: serving on port ${server.port}\n`);
  const stop = () => { void server.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
