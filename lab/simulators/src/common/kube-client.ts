// The simulators' one Kubernetes REST client (kubeadm, kubelet, kubectl): HTTPS with the
// kubeconfig's CA verified, like client-go. No fallback to insecure TLS: a wrong CA must fail like
// it does for the real tools (kubeadm's discovery, which cannot know the CA yet, does its own GET).
import { request as httpsRequest } from 'node:https';
import type { ApiEndpoint } from './kubeconfig.js';

/** A Kubernetes REST response: status code and body (parsed JSON, else the raw text; undefined when empty). */
export interface ApiResponse<T = any> { status: number; body: T }

/** A non-2xx answer; `body` is what the server sent (a Status object from a Kubernetes API). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: any) {
    super(typeof body?.message === 'string' ? body.message
      : typeof body === 'string' && body ? body : `HTTP ${status}`);
    this.name = 'ApiError';
  }

  /** The Status object's machine-readable reason ('' when the server sent none). */
  get reason(): string {
    return this.body?.kind === 'Status' && this.body.reason ? String(this.body.reason) : '';
  }
}

type Named = { metadata: { name: string; [k: string]: any }; [k: string]: any };

const ok = (status: number) => status >= 200 && status < 300;

export class KubeClient {
  private readonly base: string;

  /** defaultTimeoutMs bounds every request (0 = none, like kubectl --request-timeout=0). */
  constructor(readonly config: ApiEndpoint, readonly defaultTimeoutMs = 30_000) {
    if (!config.caPem) throw new Error(`no certificate authority for ${config.server}: the simulators always verify TLS`);
    this.base = config.server.replace(/\/+$/, '');
  }

  /** One round trip; any HTTP status resolves (callers that branch on 409 and friends use this). */
  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse<T>> {
    return this.send(method, path, body, contentType).then(({ status, text }) => ({ status, body: decode(text) as T }));
  }

  /** Like request, but non-2xx answers throw ApiError; resolves to the body. */
  async must<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request<T>(method, path, body, contentType);
    if (!ok(res.status)) throw new ApiError(res.status, res.body);
    return res.body;
  }

  /** GET returning the body as text, unparsed (kubectl get --raw). */
  async raw(path: string): Promise<string> {
    const { status, text } = await this.send('GET', path);
    if (!ok(status)) throw new ApiError(status, decode(text));
    return text;
  }

  get<T = any>(path: string): Promise<T> { return this.must<T>('GET', path); }
  create<T = any>(path: string, body: unknown): Promise<T> { return this.must<T>('POST', path, body); }
  replace<T = any>(path: string, body: unknown): Promise<T> { return this.must<T>('PUT', path, body); }
  mergePatch<T = any>(path: string, body: unknown): Promise<T> { return this.must<T>('PATCH', path, body, 'application/merge-patch+json'); }
  delete<T = any>(path: string): Promise<T> { return this.must<T>('DELETE', path); }

  /** Create, or replace when it exists (kubeadm's CreateOrUpdate helpers behave this way). */
  async apply<T = any>(collectionPath: string, obj: Named): Promise<T> {
    const res = await this.request<T>('POST', collectionPath, obj);
    if (res.status === 409) return this.replace<T>(`${collectionPath}/${obj.metadata.name}`, obj);
    if (!ok(res.status)) throw new ApiError(res.status, res.body);
    return res.body;
  }

  private send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const url = new URL(this.base + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(payload.length);
    }
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    const { caPem, clientCertPem, clientKeyPem } = this.config;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, {
        method, headers, ca: caPem, cert: clientCertPem, key: clientKeyPem,
        // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot switch verification off.
        rejectUnauthorized: true,
        timeout: this.defaultTimeoutMs || undefined,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // client-go's wording, which the lab's callers and the real tools' users recognise.
      req.on('timeout', () => req.destroy(new Error(`Get "${url.href}": context deadline exceeded`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }
}

/** JSON when it parses; plain-text endpoints (/healthz, /livez) keep their text. */
function decode(text: string): any {
  if (!text) return undefined;
  try { return JSON.parse(text); } catch { return text; }
}
