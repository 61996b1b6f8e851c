// The simulators' one kubeconfig reader and writer. Reading resolves the current context the way
// client-go does (inline *-data or file paths, relative paths against the kubeconfig's directory)
// and insists on a certificate-authority: the simulators never talk to an unverified server.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** What a client needs to reach and authenticate to an API server. */
export interface ApiEndpoint {
  server: string;
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

/** The parts of a kubeconfig (v1 Config) the simulators read and write. */
export interface KubeconfigCredentials extends ApiEndpoint {
  user: string;
  cluster: string;
  /** The current context's default namespace, when it names one. */
  namespace?: string;
}

/** A kubeconfig that cannot be read or does not describe a usable current context. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
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

function fileOrData(baseDir: string, entry: Record<string, unknown>, key: string): string | undefined {
  const data = entry[`${key}-data`];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString();
  const file = entry[key];
  if (typeof file === 'string' && file) return fs.readFileSync(path.resolve(baseDir, file), 'utf8');
  return undefined;
}

const named = (list: unknown, name: unknown, field: string): Record<string, any> | undefined =>
  Array.isArray(list) ? list.find((e) => e?.name === name)?.[field] : undefined;

/**
 * Resolve the current context of a kubeconfig text into credentials; throws KubeconfigError with
 * kubectl-like text. `baseDir` anchors relative certificate and key paths (client-go uses the
 * kubeconfig file's directory).
 */
export function parseKubeconfig(text: string, source = 'kubeconfig', baseDir = process.cwd()): KubeconfigCredentials {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new KubeconfigError(`error loading config file "${source}": ${(e as Error).message}`);
  }
  // client-go defaults a missing kind to Config; anything else is some other kind of file.
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc) || ((doc as any).kind ?? 'Config') !== 'Config')) {
    throw new KubeconfigError(`invalid configuration: ${source} is not a kubeconfig (kind: Config)`);
  }
  const d = (doc ?? {}) as Record<string, any>;
  const ctxName = d['current-context'];
  if (!ctxName) throw new KubeconfigError('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  const ctx = named(d.contexts, ctxName, 'context');
  if (!ctx) throw new KubeconfigError(`invalid configuration: context was not found for specified context: ${ctxName}`);
  const cluster = named(d.clusters, ctx.cluster, 'cluster');
  if (typeof cluster?.server !== 'string' || !cluster.server) throw new KubeconfigError(`invalid configuration: no server found for cluster "${ctx.cluster}"`);
  const user = named(d.users, ctx.user, 'user') ?? {};
  const caPem = fileOrData(baseDir, cluster, 'certificate-authority');
  if (!caPem) throw new KubeconfigError(`invalid configuration: cluster "${ctx.cluster}" has no certificate-authority: the simulators always verify TLS`);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    caPem,
    clientCertPem: fileOrData(baseDir, user, 'client-certificate'),
    clientKeyPem: fileOrData(baseDir, user, 'client-key'),
    token: typeof user.token === 'string' && user.token ? user.token : undefined,
    user: String(ctx.user),
    cluster: String(ctx.cluster),
    namespace: typeof ctx.namespace === 'string' && ctx.namespace ? ctx.namespace : undefined,
  };
}

/** Read and resolve a kubeconfig file; an unreadable file is a KubeconfigError naming it. */
export function readKubeconfig(file: string): KubeconfigCredentials {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KubeconfigError(`error loading config file "${file}": ${(e as Error).message}`);
  }
  return parseKubeconfig(text, file, path.dirname(path.resolve(file)));
}
