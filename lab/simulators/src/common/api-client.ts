import https from 'node:https';
import type { KubeconfigCredentials } from './kubeconfig.js';

/** A Kubernetes REST response: status code and parsed JSON body (Status objects on errors). */
export interface ApiResponse<T = any> { status: number; body: T }

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: any) {
    super(typeof body?.message === 'string' ? body.message : `HTTP ${status}`);
    this.name = 'ApiError';
  }
  get reason(): string | undefined { return this.body?.reason; }
}

/**
 * Minimal HTTPS client for the simulated (or a real) apiserver: TLS verified against the
 * kubeconfig's CA, client certificate or bearer token, JSON in and out.
 */
export class ApiClient {
  constructor(private readonly creds: Pick<KubeconfigCredentials, 'server' | 'caPem' | 'clientCertPem' | 'clientKeyPem' | 'token'>,
    private readonly timeoutMs = 10_000) {}

  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse<T>> {
    const url = new URL(path, this.creds.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload) { headers['Content-Type'] = contentType; headers['Content-Length'] = String(payload.length); }
    if (this.creds.token) headers.Authorization = `Bearer ${this.creds.token}`;
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method, headers, ca: this.creds.caPem, cert: this.creds.clientCertPem, key: this.creds.clientKeyPem,
        timeout: this.timeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: any = text;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { /* plain-text endpoints (/healthz) */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`Get "${url.href}": context deadline exceeded`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Like request, but non-2xx answers throw ApiError. */
  async must<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request<T>(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) throw new ApiError(res.status, res.body);
    return res.body;
  }

  get<T = any>(path: string): Promise<T> { return this.must<T>('GET', path); }

  /** Create, or replace when it exists (kubeadm's CreateOrUpdate helpers behave this way). */
  async apply<T = any>(collectionPath: string, obj: { metadata: { name: string; [k: string]: any }; [k: string]: any }): Promise<T> {
    const res = await this.request<T>('POST', collectionPath, obj);
    if (res.status === 409) return this.must<T>('PUT', `${collectionPath}/${obj.metadata.name}`, obj);
    if (res.status < 200 || res.status >= 300) throw new ApiError(res.status, res.body);
    return res.body;
  }
}
