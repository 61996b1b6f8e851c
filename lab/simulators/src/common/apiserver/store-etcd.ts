// EtcdBackend: the apiserver simulator's objects in a real etcd, shared by every control plane.
import { createSyncFn } from 'synckit';
import type { Etcd3, Watcher } from 'etcd3';
import { etcdClient, type EtcdConnection } from '../etcd/client.js';
import type { BackendEvent, StoreBackend, StoredKV } from './store.js';
import type { EtcdRequest } from './store-etcd-worker.js';

/**
 * Reads and conditional writes go through a worker thread (synckit: the caller blocks until etcd
 * answers, so ObjectStore stays synchronous); the watch that feeds onChange runs on the caller's
 * own event loop with its own client, since events arrive asynchronously anyway.
 */
export class EtcdBackend implements StoreBackend {
  private readonly call: (conn: EtcdConnection, req: EtcdRequest) => any;
  private watchClient: Etcd3 | null = null;
  private watcher: Watcher | null = null;
  private readonly listeners = new Set<(ev: BackendEvent) => void>();

  /** workerScript: a file whose worker-thread entry calls runEtcdStoreWorker() (the kube-apiserver bundle itself). */
  constructor(private readonly conn: EtcdConnection, workerScript: string) {
    // Longer than the client's per-request deadline, so etcd's own error is what the caller sees.
    this.call = createSyncFn(workerScript, { timeout: (conn.timeoutMs ?? 5_000) * 3 + 5_000 }) as any;
  }

  get(key: string): StoredKV | undefined { return this.call(this.conn, { op: 'get', key }) ?? undefined; }
  range(prefix: string): { kvs: StoredKV[]; revision: string } { return this.call(this.conn, { op: 'range', prefix }); }
  create(key: string, value: string): string | null { return this.call(this.conn, { op: 'create', key, value }); }
  update(key: string, value: string, rev: string): string | null { return this.call(this.conn, { op: 'update', key, value, rev }); }
  delete(key: string, rev: string): boolean { return this.call(this.conn, { op: 'delete', key, rev }); }
  revision(): string { return this.call(this.conn, { op: 'revision' }); }

  watch(listener: (ev: BackendEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.watchClient) this.startWatch();
    return () => { this.listeners.delete(listener); };
  }

  private startWatch(): void {
    this.watchClient = etcdClient({ ...this.conn, timeoutMs: this.conn.timeoutMs });
    const emit = (ev: BackendEvent) => { for (const l of [...this.listeners]) l(ev); };
    const toKV = (kv: any): StoredKV => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: String(kv.mod_revision), createRevision: String(kv.create_revision) });
    // etcd3 re-establishes the watch itself after a member or quorum loss, from the last revision seen.
    void this.watchClient.watch().prefix('/registry/').withPreviousKV().create().then((w) => {
      this.watcher = w;
      w.on('put', (kv) => emit({ type: 'put', kv: toKV(kv), created: String(kv.create_revision) === String(kv.mod_revision) }));
      w.on('delete', (kv, prev) => {
        if (!prev) return;
        emit({ type: 'delete', kv: { ...toKV(prev), modRevision: String(kv.mod_revision) }, created: false });
      });
      w.on('error', (e) => process.stderr.write(`etcd watch: ${(e as Error).message}\n`));
    }, (e) => process.stderr.write(`etcd watch could not start: ${(e as Error).message}\n`));
  }

  close(): void {
    this.listeners.clear();
    void this.watcher?.cancel().catch(() => undefined);
    this.watchClient?.close();
  }
}
