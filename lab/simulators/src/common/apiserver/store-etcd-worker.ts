// The worker half of EtcdBackend (store-etcd.ts): a worker thread that owns an etcd3 client and
// answers one request at a time while the apiserver's thread waits (synckit). This keeps the
// ObjectStore interface synchronous, as the apiserver simulator's handlers and controllers use it.
import { runAsWorker } from 'synckit';
import type { Etcd3, IKeyValue } from 'etcd3';
import { etcdClient, type EtcdConnection } from '../etcd/client.js';
import type { StoredKV } from './store.js';

export type EtcdRequest =
  | { op: 'get'; key: string }
  | { op: 'range'; prefix: string }
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; rev: string }
  | { op: 'delete'; key: string; rev: string }
  | { op: 'revision' };

const toKV = (kv: IKeyValue): StoredKV => ({
  key: kv.key.toString(), value: kv.value.toString(), modRevision: String(kv.mod_revision), createRevision: String(kv.create_revision),
});

/** One request against etcd, as kube-apiserver's etcd3 store issues it (apiserver/pkg/storage/etcd3/store.go). */
export async function handleEtcdRequest(client: Etcd3, r: EtcdRequest): Promise<unknown> {
  switch (r.op) {
    case 'get': {
      const res = await client.get(r.key).exec();
      return res.kvs[0] ? toKV(res.kvs[0]) : null;
    }
    case 'range': {
      const res = await client.getAll().prefix(r.prefix).exec();
      return { kvs: res.kvs.map(toKV), revision: String(res.header.revision) };
    }
    case 'create': {
      // store.go Create: Txn(If(ModRevision(key) == 0)).Then(Put)
      const res = await client.if(r.key, 'Mod', '==', 0).then(client.put(r.key).value(r.value)).commit();
      return res.succeeded ? String(res.header.revision) : null;
    }
    case 'update': {
      // store.go GuaranteedUpdate: Txn(If(ModRevision(key) == origRev)).Then(Put)
      const res = await client.if(r.key, 'Mod', '==', Number(r.rev)).then(client.put(r.key).value(r.value)).commit();
      return res.succeeded ? String(res.header.revision) : null;
    }
    case 'delete': {
      // store.go conditionalDelete: Txn(If(ModRevision(key) == origRev)).Then(Delete)
      const res = await client.if(r.key, 'Mod', '==', Number(r.rev)).then(client.delete().key(r.key)).commit();
      return res.succeeded;
    }
    case 'revision': {
      const res = await client.get('/registry/health-revision-probe').exec();
      return String(res.header.revision);
    }
  }
}

/** Entry point inside the worker thread. */
export function runEtcdStoreWorker(): void {
  let client: Etcd3 | null = null;
  let key = '';
  runAsWorker(async (conn: EtcdConnection, req: EtcdRequest) => {
    if (!client || key !== JSON.stringify(conn)) {
      client?.close();
      client = etcdClient(conn);
      key = JSON.stringify(conn);
    }
    return handleEtcdRequest(client, req);
  });
}
