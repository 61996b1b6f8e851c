// A minimal Kubernetes REST client for the kubelet and kubectl simulators: reads a kubeconfig
// (current context, inline or file credentials) and talks HTTPS with the CA verified, like
// client-go. No fallback to insecure TLS: a wrong CA must fail like it does for the real tools.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ClientConfig {
  server: string;
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
}

type Kubeconfig = {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster?: Record<string, string> }>;
  users?: Array<{ name: string; user?: Record<string, string> }>;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string; namespace?: string } }>;
};

export class KubeconfigError extends Error {}

function fileOrData(base: string, entry: Record<string, string>, key: string): Buffer | undefined {
  const data = entry[`${key}-data`];
  if (data) return Buffer.from(data, 'base64');
  const file = entry[key];
  if (file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** Resolves the kubeconfig's current context into what a client needs. */
export function loadKubeconfig(path: string): ClientConfig & { namespace?: string } {
  let doc: Kubeconfig;
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) as Kubeconfig;
  } catch (e) {
    throw new KubeconfigError(`error loading config file "${path}": ${(e as Error).message}`);
  }
  const ctxName = doc?.['current-context'];
  if (!ctxName) throw new KubeconfigError(`invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable`);
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeconfigError(`error: context "${ctxName}" does not exist`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new KubeconfigError(`invalid configuration: cluster "${ctx.cluster}" has no server defined`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(path);
  const ca = fileOrData(base, cluster, 'certificate-authority');
  if (!ca) throw new KubeconfigError(`cluster "${ctx.cluster}" has no certificate-authority: the simulators always verify TLS`);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca,
    cert: fileOrData(base, user, 'client-certificate'),
    key: fileOrData(base, user, 'client-key'),
    token: user.token,
    namespace: ctx.namespace,
  };
}

/** A non-2xx answer; `status` is the API's Status object when the server sent one. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly status: Record<string, any> | undefined, message: string) {
    super(message);
    this.name = 'ApiError';
  }
  get reason(): string { return String(this.status?.reason ?? ''); }
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export class KubeClient {
  /** kubectl --request-timeout (0 = none); requests without their own timeout use it. */
  constructor(readonly config: ClientConfig, readonly defaultTimeoutMs = 30_000) {}

  /** GET returning the body as text (kubectl get --raw). */
  raw(path: string): Promise<string> {
    return this.send('GET', path, {}, (text) => text);
  }

  request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return this.send(method, path, opts, (text) => {
      try { return (text ? JSON.parse(text) : undefined) as T; } catch { return undefined as T; }
    });
  }

  private send<T>(method: string, path: string, opts: RequestOptions, decode: (text: string) => T): Promise<T> {
    const url = new URL(this.config.server + path);
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method, headers, ca: this.config.ca, cert: this.config.cert, key: this.config.key,
        timeout: opts.timeoutMs ?? (this.defaultTimeoutMs || undefined),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(decode(text));
          else reject(new ApiError(code, json?.kind === 'Status' ? json : undefined, json?.message ?? (text || `HTTP ${code}`)));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`Get "${url.href}": context deadline exceeded`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T = any>(path: string): Promise<T> { return this.request('GET', path); }
  create<T = any>(path: string, body: unknown): Promise<T> { return this.request('POST', path, { body }); }
  replace<T = any>(path: string, body: unknown): Promise<T> { return this.request('PUT', path, { body }); }
  mergePatch<T = any>(path: string, body: unknown): Promise<T> {
    return this.request('PATCH', path, { body, contentType: 'application/merge-patch+json' });
  }
  delete<T = any>(path: string): Promise<T> { return this.request('DELETE', path); }
}
