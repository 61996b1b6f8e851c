import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchesFieldSelector, matchesLabelSelector } from './patch.js';
import { RESOURCES, apiVersionOf, type ResourceType } from './resources.js';
import { StatusError, badRequest } from './status.js';
import type { KubeObject, ObjectStore, StoreChange } from './store.js';

/**
 * Watch (`?watch=true`), what `kubectl wait`, `rollout status` and `delete --wait` stand on.
 * Built only on ObjectStore.onChange (the store may be a JSON file or etcd).
 *
 * Upstream behaviour transcribed:
 *  - the stream: HTTP 200, chunked, one JSON metav1.WatchEvent `{"type","object"}` per line; ends
 *    after timeoutSeconds (apiserver/pkg/endpoints/handlers/watch.go serveWatch; get.go
 *    ListResource: timeout = timeoutSeconds, else a random minRequestTimeout of 1800 s..3600 s);
 *  - resourceVersion unset or "0": synthetic ADDED events for the current state, then changes
 *    (apiserver/pkg/storage/cacher/cacher.go Watch, "Get State and Start at Most Recent"/"Any");
 *    resourceVersion N: every change after N; N older than the window kept → one ERROR event with a
 *    410 Expired Status "too old resource version: N (M)" (cacher/watch_cache.go
 *    getAllEventsSinceLocked);
 *  - selectors are applied to the object before and after each change: entering the selection is
 *    ADDED, leaving it DELETED (cacher/cache_watcher.go convertToWatchEvent);
 *  - a watch on a named object (`.../pods/NAME?watch=true`) is a metadata.name field selector.
 */

interface Recorded { type: StoreChange['type']; object: KubeObject; prev?: KubeObject; rv: number }

/** How many changes a watch can resume from (the watch cache's window). */
const WINDOW = 5000;

const typeKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;
const TYPES = new Map(RESOURCES.map((t) => [typeKey(apiVersionOf(t), t.kind), t]));
const objectKey = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class WatchHub {
  private readonly events: Recorded[] = [];
  private readonly latest = new Map<string, KubeObject>();
  private readonly watchers = new Set<(e: Recorded) => void>();
  /** Changes after this revision can be replayed. */
  private oldestResumable: number;
  readonly stop: () => void;

  constructor(private readonly store: ObjectStore) {
    for (const t of RESOURCES) for (const o of store.list(t)) this.latest.set(objectKey({ ...o, apiVersion: apiVersionOf(t), kind: t.kind }), o);
    this.oldestResumable = Number(store.listResourceVersion());
    this.stop = store.onChange((ev) => this.record(ev));
  }

  private record(ev: StoreChange): void {
    const key = objectKey(ev.object);
    const rec: Recorded = { type: ev.type, object: ev.object, prev: this.latest.get(key), rv: Number(ev.object.metadata.resourceVersion) };
    if (ev.type === 'DELETED') this.latest.delete(key); else this.latest.set(key, ev.object);
    this.events.push(rec);
    if (this.events.length > WINDOW) this.oldestResumable = this.events.shift()!.rv;
    for (const w of this.watchers) w(rec);
  }

  /**
   * Every change as the hub records it: the hub's one store watch serves the watch requests and
   * the controllers alike. Returns the function that stops listening.
   */
  listen(listener: (ev: StoreChange) => void): () => void {
    const deliver = (e: Recorded) => listener(e);
    this.watchers.add(deliver);
    return () => { this.watchers.delete(deliver); };
  }

  /** Serves one watch request until timeoutSeconds or the client goes away. */
  serve(req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string | undefined, params: URLSearchParams): void {
    const labelSel = params.get('labelSelector') ?? '';
    const fieldSel = [params.get('fieldSelector') ?? '', name ? `metadata.name=${name}` : ''].filter(Boolean).join(',');
    const rvParam = params.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
    const timeoutParam = params.get('timeoutSeconds');
    if (timeoutParam !== null && !/^\d+$/.test(timeoutParam)) throw badRequest(`invalid value for timeoutSeconds: ${timeoutParam}`);
    const timeoutSeconds = timeoutParam !== null && Number(timeoutParam) > 0 ? Number(timeoutParam) : 1800 + Math.floor(Math.random() * 1800);

    const apiVersion = apiVersionOf(type);
    const inScope = (o: KubeObject | undefined): o is KubeObject => !!o && o.apiVersion === apiVersion && o.kind === type.kind &&
      (!type.namespaced || namespace === undefined || o.metadata.namespace === namespace);
    const selected = (o: KubeObject | undefined) => inScope(o) &&
      (!labelSel || matchesLabelSelector(o.metadata.labels, labelSel)) && (!fieldSel || matchesFieldSelector(o, fieldSel));

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    // Headers now, as the apiserver does (it flushes before the first event): a client waits for them.
    res.flushHeaders();
    const write = (type_: string, object: unknown) => res.write(`${JSON.stringify({ type: type_, object })}\n`);
    const deliver = (e: Recorded) => {
      const now = e.type !== 'DELETED' && selected(e.object);
      const before = selected(e.prev);
      if (e.type === 'DELETED') { if (before || selected(e.object)) write('DELETED', e.object); return; }
      if (now && before) write('MODIFIED', e.object);
      else if (now) write('ADDED', e.object);
      else if (before) write('DELETED', e.object);
    };

    if (rvParam === '' || rvParam === '0') {
      for (const o of this.latest.values()) if (selected(o)) write('ADDED', o);
    } else {
      const rv = Number(rvParam);
      if (rv < this.oldestResumable) {
        write('ERROR', new StatusError(410, 'Expired', `too old resource version: ${rv} (${this.oldestResumable})`).toBody());
        res.end();
        return;
      }
      for (const e of this.events) if (e.rv > rv) deliver(e);
    }
    this.watchers.add(deliver);
    const finish = () => { clearTimeout(timer); this.watchers.delete(deliver); if (!res.writableEnded) res.end(); };
    const timer = setTimeout(finish, timeoutSeconds * 1000);
    req.on('close', finish);
    res.on('close', finish);
  }
}
