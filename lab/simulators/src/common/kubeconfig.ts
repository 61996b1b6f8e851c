import fs from 'node:fs';
import YAML from 'yaml';

/** The parts of a kubeconfig (v1 Config) the simulators read and write. */
export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  user: string;
  cluster: string;
}

/** Build a kubeconfig with embedded data, the shape kubeadm writes for admin.conf and friends. */
export function buildKubeconfig(c: KubeconfigCredentials): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const user: Record<string, string> = {};
  if (c.clientCertPem) user['client-certificate-data'] = b64(c.clientCertPem);
  if (c.clientKeyPem) user['client-key-data'] = b64(c.clientKeyPem);
  if (c.token) user.token = c.token;
  const context = `${c.user}@${c.cluster}`;
  return YAML.stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(c.caPem), server: c.server }, name: c.cluster }],
    contexts: [{ context: { cluster: c.cluster, user: c.user }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: c.user, user }],
  });
}

function fileOrData(entry: Record<string, unknown>, key: string): string | undefined {
  const data = entry[`${key}-data`];
  if (typeof data === 'string') return Buffer.from(data, 'base64').toString();
  const file = entry[key];
  if (typeof file === 'string') return fs.readFileSync(file, 'utf8');
  return undefined;
}

/** Resolve the current context of a kubeconfig text into credentials; throws with kubectl-like text. */
export function parseKubeconfig(text: string, source = 'kubeconfig'): KubeconfigCredentials {
  const doc = YAML.parse(text) as Record<string, any> | null;
  if (!doc || doc.kind !== 'Config') throw new Error(`invalid configuration: ${source} is not a kubeconfig (kind: Config)`);
  const ctxName = doc['current-context'];
  const ctx = (doc.contexts ?? []).find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`invalid configuration: context was not found for specified context: ${ctxName}`);
  const cluster = (doc.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`invalid configuration: no server found for cluster "${ctx.cluster}"`);
  const user = (doc.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? {};
  const caPem = fileOrData(cluster, 'certificate-authority');
  if (!caPem) throw new Error(`invalid configuration: cluster "${ctx.cluster}" has no certificate-authority`);
  return {
    server: String(cluster.server),
    caPem,
    clientCertPem: fileOrData(user, 'client-certificate'),
    clientKeyPem: fileOrData(user, 'client-key'),
    token: typeof user.token === 'string' ? user.token : undefined,
    user: String(ctx.user),
    cluster: String(ctx.cluster),
  };
}

export function readKubeconfig(file: string): KubeconfigCredentials {
  return parseKubeconfig(fs.readFileSync(file, 'utf8'), file);
}
