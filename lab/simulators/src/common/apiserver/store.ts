import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { apiVersionOf, type ResourceType } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';

export type KubeObject = Record<string, any> & { metadata: Record<string, any> };

/** One stored key as etcd returns it: the value and its revisions (decimal strings, as etcd3's JSON gives them). */
export interface StoredKV { key: string; value: string; modRevision: string; createRevision: string }

/** A change seen by the backend: a put (created or modified) or a delete (with the last value). */
export interface BackendEvent { type: 'put' | 'delete'; kv: StoredKV; created: boolean }

/**
 * The key-value operations the apiserver's storage layer needs from etcd
 * (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go): every write is a transaction
 * conditioned on the key's mod revision, so concurrent writers through different apiservers
 * conflict exactly as they do on a real cluster.
 */
export interface StoreBackend {
  get(key: string): StoredKV | undefined;
  /** Every key under prefix, and the store's revision when read (a list's resourceVersion). */
  range(prefix: string): { kvs: StoredKV[]; revision: string };
  /** Put if the key is absent (ModRevision == 0); the new mod revision, or null when it exists. */
  create(key: string, value: string): string | null;
  /** Put if the key's mod revision is still `modRevision`; the new mod revision, or null on a conflict. */
  update(key: string, value: string, modRevision: string): string | null;
  /** Delete if the key's mod revision is still `modRevision`; false on a conflict. */
  delete(key: string, modRevision: string): boolean;
  revision(): string;
  watch(listener: (ev: BackendEvent) => void): () => void;
  close(): void;
}

/**
 * The storage prefix of a resource: its plural name, except where kube-apiserver keeps the old
 * names (pkg/kubeapiserver/default_storage_factory_builder.go SpecialDefaultResourcePrefixes).
 */
const SPECIAL_PREFIXES: Record<string, string> = {
  '/nodes': 'minions', '/services': 'services/specs', '/endpoints': 'services/endpoints',
  '/replicationcontrollers': 'controllers', 'networking.k8s.io/ingresses': 'ingress',
};

/**
 * etcd key of an object, laid out as kube-apiserver does (apiserver/pkg/registry/generic/registry
 * store.go NamespaceKeyRootFunc/NoNamespaceKeyFunc): /registry/<prefix>/<namespace>/<name>, or
 * /registry/<prefix>/<name> for cluster-scoped resources. The prefix does not carry the group.
 */
export function storageKey(t: ResourceType, ns: string, name: string): string {
  return `${storagePrefix(t, t.namespaced ? ns : undefined)}${name}`;
}

/** The key prefix listing a resource, in one namespace or (ns undefined) all of them. */
export function storagePrefix(t: ResourceType, ns?: string): string {
  const base = `/registry/${SPECIAL_PREFIXES[`${t.group}/${t.resource}`] ?? t.resource}/`;
  return t.namespaced && ns !== undefined ? `${base}${ns}/` : base;
}

/** A watch event as a watch client receives it (the contract h-realkubectl's watch consumes). */
export interface StoreChange { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }

/**
 * The apiserver's registry over a key-value backend: a real etcd (store-etcd.ts) on the lab's
 * hosts, a JSON file (JsonFileBackend) for unit tests. Objects carry their TypeMeta in storage
 * like the real apiserver's; resourceVersion is never stored: it is the key's mod revision
 * (etcd3/store.go: versioner.UpdateObject with kv.ModRevision).
 */
export class ObjectStore {
  private readonly backend: StoreBackend;
  private listRevision = '0';

  constructor(dirOrBackend: string | StoreBackend) {
    this.backend = typeof dirOrBackend === 'string' ? new JsonFileBackend(dirOrBackend) : dirOrBackend;
  }

  private decode(kv: StoredKV): KubeObject {
    const o = JSON.parse(kv.value) as KubeObject;
    o.metadata.resourceVersion = kv.modRevision;
    return o;
  }

  private encode(t: ResourceType, obj: KubeObject): string {
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return JSON.stringify({ ...obj, apiVersion: apiVersionOf(t), kind: t.kind, metadata });
  }

  get(t: ResourceType, ns: string, name: string): KubeObject | undefined {
    const kv = this.backend.get(storageKey(t, ns, name));
    return kv ? this.decode(kv) : undefined;
  }

  mustGet(t: ResourceType, ns: string, name: string): KubeObject {
    const o = this.get(t, ns, name);
    if (!o) throw notFound(t, name);
    return o;
  }

  /** All objects of a type; ns undefined means every namespace. */
  list(t: ResourceType, ns?: string): KubeObject[] {
    const prefix = storagePrefix(t, ns);
    const { kvs, revision } = this.backend.range(prefix);
    this.listRevision = revision;
    return kvs
      // A cluster-wide prefix must not pick up a longer resource name (…/services/specs/ vs …/services/endpoints/ is safe; this is too).
      .filter((kv) => kv.key.startsWith(prefix))
      .map((kv) => this.decode(kv))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** The revision the last list read at (what a List's metadata.resourceVersion is). */
  listResourceVersion(): string {
    return this.listRevision === '0' ? this.backend.revision() : this.listRevision;
  }

  create(t: ResourceType, ns: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name as string;
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        ...(t.namespaced ? { namespace: ns } : {}),
        uid: crypto.randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        ...(obj.spec !== undefined ? { generation: 1 } : {}),
      },
    };
    if (!t.namespaced) delete stored.metadata.namespace;
    const value = this.encode(t, stored);
    const rev = this.backend.create(storageKey(t, ns, name), value);
    if (rev === null) throw alreadyExists(t, name);
    return this.decode({ key: storageKey(t, ns, name), value, modRevision: rev, createRevision: rev });
  }

  /**
   * Replace. A resourceVersion in the new object must match (optimistic concurrency); without
   * one the update is unconditional, done as the apiserver's GuaranteedUpdate: read, then a
   * compare-and-swap on the revision read, again if another writer came in between.
   */
  update(t: ResourceType, ns: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name as string;
    const key = storageKey(t, ns, name);
    const wanted = obj.metadata.resourceVersion;
    for (let attempt = 0; ; attempt++) {
      const oldKv = this.backend.get(key);
      if (!oldKv) throw notFound(t, name);
      const old = this.decode(oldKv);
      if (wanted !== undefined && wanted !== '' && wanted !== oldKv.modRevision) throw conflict(t, name);
      const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
      const stored: KubeObject = {
        ...obj,
        metadata: {
          ...obj.metadata,
          ...(t.namespaced ? { namespace: ns } : {}),
          uid: old.metadata.uid,
          creationTimestamp: old.metadata.creationTimestamp,
          ...(old.metadata.generation !== undefined ? { generation: old.metadata.generation + (specChanged ? 1 : 0) } : {}),
        },
      };
      const value = this.encode(t, stored);
      const rev = this.backend.update(key, value, oldKv.modRevision);
      if (rev !== null) return this.decode({ key, value, modRevision: rev, createRevision: oldKv.createRevision });
      // Someone else wrote in between: with a precondition that is the client's conflict.
      if ((wanted !== undefined && wanted !== '') || attempt >= 5) throw conflict(t, name);
    }
  }

  delete(t: ResourceType, ns: string, name: string): KubeObject {
    const key = storageKey(t, ns, name);
    for (let attempt = 0; ; attempt++) {
      const oldKv = this.backend.get(key);
      if (!oldKv) throw notFound(t, name);
      if (this.backend.delete(key, oldKv.modRevision)) return this.decode(oldKv);
      if (attempt >= 5) throw conflict(t, name);
    }
  }

  /**
   * Every change to any object, from this apiserver or (on etcd) any other one sharing the etcd
   * cluster. Returns the function that stops listening.
   */
  onChange(listener: (ev: StoreChange) => void): () => void {
    return this.backend.watch((ev) => {
      const object = this.decode(ev.kv);
      listener({ type: ev.type === 'delete' ? 'DELETED' : ev.created ? 'ADDED' : 'MODIFIED', object });
    });
  }

  close(): void {
    this.backend.close();
  }
}

interface JsonFile { revision: number; kvs: Record<string, StoredKV> }

/**
 * A one-member etcd in a JSON file, rewritten atomically on each change so state survives
 * apiserver restarts: revisions and conditional writes behave like etcd's (one global revision
 * counter, bumped by every write). For unit tests and runs without --etcd-servers.
 */
export class JsonFileBackend implements StoreBackend {
  private data: JsonFile;
  private readonly file: string;
  private readonly listeners = new Set<(ev: BackendEvent) => void>();

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'store.json');
    const loaded = fs.existsSync(this.file) ? JSON.parse(fs.readFileSync(this.file, 'utf8')) : null;
    this.data = loaded && typeof loaded.revision === 'number' ? loaded as JsonFile : { revision: 1, kvs: {} };
  }

  private commit(ev: BackendEvent): string {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    for (const l of [...this.listeners]) l(ev);
    return ev.kv.modRevision;
  }

  private put(key: string, value: string, createRevision?: string): string {
    const modRevision = String(++this.data.revision);
    const kv = { key, value, modRevision, createRevision: createRevision ?? modRevision };
    this.data.kvs[key] = kv;
    return this.commit({ type: 'put', kv, created: createRevision === undefined });
  }

  get(key: string): StoredKV | undefined {
    const kv = this.data.kvs[key];
    return kv ? { ...kv } : undefined;
  }

  range(prefix: string): { kvs: StoredKV[]; revision: string } {
    const kvs = Object.values(this.data.kvs).filter((kv) => kv.key.startsWith(prefix)).map((kv) => ({ ...kv }));
    return { kvs, revision: String(this.data.revision) };
  }

  create(key: string, value: string): string | null {
    return this.data.kvs[key] ? null : this.put(key, value);
  }

  update(key: string, value: string, modRevision: string): string | null {
    const old = this.data.kvs[key];
    if (!old || old.modRevision !== modRevision) return null;
    return this.put(key, value, old.createRevision);
  }

  delete(key: string, modRevision: string): boolean {
    const old = this.data.kvs[key];
    if (!old || old.modRevision !== modRevision) return false;
    delete this.data.kvs[key];
    // etcd's delete event carries the deletion's revision.
    this.commit({ type: 'delete', kv: { ...old, modRevision: String(++this.data.revision) }, created: false });
    return true;
  }

  revision(): string {
    return String(this.data.revision);
  }

  watch(listener: (ev: BackendEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  close(): void {
    this.listeners.clear();
  }
}
