import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { apiVersionOf, type ResourceType } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';

export type KubeObject = Record<string, any> & { metadata: Record<string, any> };

interface StoreFile { resourceVersion: number; objects: Record<string, KubeObject> }

/**
 * One committed change, as watch reports it: the object carries the change's resourceVersion and
 * its apiVersion and kind (watchers find the resource type from them).
 */
export interface StoreChange { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }

/** Storage key: group/resource/namespace/name (version-independent, like etcd's layout). */
const keyOf = (t: ResourceType, ns: string, name: string) => `${t.group || 'core'}/${t.resource}/${ns}/${name}`;

/**
 * The simulated etcd: every object in one JSON file, rewritten atomically on each change so the
 * cluster state survives apiserver restarts (as etcd data does).
 */
export class ObjectStore {
  private data: StoreFile;
  private readonly file: string;
  private readonly listeners = new Set<(ev: StoreChange) => void>();

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'store.json');
    this.data = fs.existsSync(this.file)
      ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as StoreFile)
      : { resourceVersion: 1, objects: {} };
  }

  private persist(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /**
   * Called after every committed change, in commit order (watch is built on this; a listener must
   * not throw or change the store). Returns the unsubscribe function.
   */
  onChange(listener: (ev: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(t: ResourceType, type: StoreChange['type'], object: KubeObject): void {
    if (this.listeners.size === 0) return;
    const typed = { ...structuredClone(object), apiVersion: apiVersionOf(t), kind: t.kind };
    for (const l of this.listeners) l({ type, object: structuredClone(typed) });
  }

  private nextVersion(): string {
    this.data.resourceVersion += 1;
    return String(this.data.resourceVersion);
  }

  get(t: ResourceType, ns: string, name: string): KubeObject | undefined {
    const o = this.data.objects[keyOf(t, ns, name)];
    return o ? structuredClone(o) : undefined;
  }

  mustGet(t: ResourceType, ns: string, name: string): KubeObject {
    const o = this.get(t, ns, name);
    if (!o) throw notFound(t, name);
    return o;
  }

  /** All objects of a type; ns undefined means every namespace. */
  list(t: ResourceType, ns?: string): KubeObject[] {
    const prefix = ns === undefined ? `${t.group || 'core'}/${t.resource}/` : `${t.group || 'core'}/${t.resource}/${ns}/`;
    return Object.entries(this.data.objects)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => structuredClone(o))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  listResourceVersion(): string {
    return String(this.data.resourceVersion);
  }

  create(t: ResourceType, ns: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name as string;
    const key = keyOf(t, ns, name);
    if (this.data.objects[key]) throw alreadyExists(t, name);
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        ...(t.namespaced ? { namespace: ns } : {}),
        uid: crypto.randomUUID(),
        resourceVersion: this.nextVersion(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        ...(obj.spec !== undefined ? { generation: 1 } : {}),
      },
    };
    if (!t.namespaced) delete stored.metadata.namespace;
    this.data.objects[key] = stored;
    this.persist();
    this.emit(t, 'ADDED', stored);
    return structuredClone(stored);
  }

  /** Replace; a resourceVersion in the new object must match (optimistic concurrency). */
  update(t: ResourceType, ns: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name as string;
    const key = keyOf(t, ns, name);
    const old = this.data.objects[key];
    if (!old) throw notFound(t, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(t, name);
    const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
    const stored: KubeObject = {
      ...obj,
      metadata: {
        ...obj.metadata,
        ...(t.namespaced ? { namespace: ns } : {}),
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        resourceVersion: this.nextVersion(),
        ...(old.metadata.generation !== undefined ? { generation: old.metadata.generation + (specChanged ? 1 : 0) } : {}),
      },
    };
    this.data.objects[key] = stored;
    this.persist();
    this.emit(t, 'MODIFIED', stored);
    return structuredClone(stored);
  }

  delete(t: ResourceType, ns: string, name: string): KubeObject {
    const key = keyOf(t, ns, name);
    const old = this.data.objects[key];
    if (!old) throw notFound(t, name);
    delete this.data.objects[key];
    // A deletion is a revision of its own (as in etcd): watchers resume after it.
    const gone: KubeObject = { ...old, metadata: { ...old.metadata, resourceVersion: this.nextVersion() } };
    this.persist();
    this.emit(t, 'DELETED', gone);
    return structuredClone(old);
  }
}
