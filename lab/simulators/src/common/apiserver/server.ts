import { constants as cryptoConstants } from 'node:crypto';
import os from 'node:os';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyPair } from '../pki.js';
import { authenticate, signServiceAccountToken, type ServiceAccountSigner, type UserInfo } from './auth.js';
import { pdbSpecErrors } from './disruption.js';
import { evictPod } from './eviction.js';
import { newControllerState, POD_GC_QUARANTINE_MS, reconcile } from './controllers.js';
import { LeaderElector } from './leader.js';
import { matchesFieldSelector, matchesLabelSelector, mergePatch } from './patch.js';
import { authorize, bootstrapPolicy, forbiddenMessage, type RequestAttributes } from './rbac.js';
import { RESOURCES, apiVersionOf, findResource, groupVersions, qualifiedResource, type ResourceType } from './resources.js';
import { labelValueErrors, qualifiedNameErrors, TAINT_EFFECTS } from '../labels.js';
import { StatusError, badRequest, invalid, methodNotSupported, notFound, pathNotFound, unauthorized } from './status.js';
import { ObjectStore, type KubeObject } from './store.js';
import { WatchHub } from './watch.js';
import { applyPatch } from './patch-types.js';
import { sendTable, toTable, wantsTable } from './table.js';
import { PROTOBUF_MEDIA_TYPE, decodeProtobufBody } from './protobuf.js';
import { applyDefaults } from './defaults.js';
import { enforceFieldValidation, fieldValidationOf } from './field-validation.js';
import { openApiResponse } from './openapi.js';

export interface ApiServerOptions {
  bindAddress: string;
  port: number;
  tlsCertPem: string;
  tlsKeyPem: string;
  clientCaPem: string;
  /** Cluster CA key: signs CSRs (the controller-manager's job in a real cluster). */
  clusterSigner?: KeyPair;
  serviceAccount: ServiceAccountSigner;
  storageDir: string;
  gitVersion: string;
  controllerIntervalMs?: number;
  /** The pod GC's quarantine for missing nodes (tests shorten it). */
  podGcQuarantineMs?: number;
  /** --anonymous-auth (default true): when false, requests without credentials are 401. */
  anonymousAuth?: boolean;
  /** The object store (a real etcd behind it in the lab); default: the JSON store in storageDir. */
  store?: ObjectStore;
  /**
   * This apiserver's identity in the controllers' leader election. Default: the hostname (kube-controller-manager
   * adds a per-process uuid; the simulator's controllers belong to their host, so a restarted apiserver renews
   * its own lease at once instead of waiting 15s for it to expire).
   */
  leaderIdentity?: string;
}

export interface RunningApiServer { port: number; store: ObjectStore; close(): Promise<void> }

interface ParsedPath { type: ResourceType; namespace?: string; name?: string; subresource?: string }

const namespacesType = findResource('', 'v1', 'namespaces')!;
const serviceAccountsType = findResource('', 'v1', 'serviceaccounts')!;

/** /api/v1/... and /apis/G/V/... into resource, namespace, name, subresource; null = not a resource path. */
export function parseResourcePath(pathname: string): ParsedPath | null {
  const segs = pathname.split('/').filter(Boolean);
  let group: string, version: string, rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) { group = ''; version = segs[1]!; rest = segs.slice(2); }
  else if (segs[0] === 'apis' && segs.length >= 4) { group = segs[1]!; version = segs[2]!; rest = segs.slice(3); }
  else return null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = findResource(group, version, rest[2]!);
    if (type?.namespaced) return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
    if (!type && rest.length === 3 && group === '' && rest[2] === 'status') return { type: namespacesType, name: rest[1], subresource: 'status' };
    if (!type) return null;
  }
  const type = findResource(group, version, rest[0]!);
  if (!type) return null;
  if (rest.length > 3) return null;
  return { type, name: rest[1], subresource: rest[2] };
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() === PROTOBUF_MEDIA_TYPE && raw.length) return decodeProtobufBody(raw);
  const text = raw.toString();
  if (!text) throw badRequest('the request body is empty');
  try { return JSON.parse(text); } catch (e) {
    throw badRequest(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml: ${(e as Error).message}`);
  }
}

function discovery(res: ServerResponse, pathname: string): boolean {
  if (pathname === '/api') { send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }); return true; }
  if (pathname === '/apis') {
    send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groupVersions().map(({ group, version }) => ({
      name: group, versions: [{ groupVersion: `${group}/${version}`, version }], preferredVersion: { groupVersion: `${group}/${version}`, version },
    })) });
    return true;
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(pathname);
  if (!m) return false;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3]!;
  const types = RESOURCES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return false;
  const resources = types.flatMap((t) => [
    { name: t.resource, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'], ...(t.shortNames ? { shortNames: t.shortNames } : {}) },
    ...(t.subresources ?? []).map((s) => s === 'eviction'
      // kubectl drain (kubectl/pkg/drain CheckEvictionSupport) evicts only when /api/v1 lists
      // pods/eviction with kind Eviction and its group/version; otherwise it deletes pods.
      ? { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] }
      : { name: `${t.resource}/${s}`, singularName: '', namespaced: t.namespaced,
        kind: s === 'token' ? 'TokenRequest' : t.kind, verbs: s === 'token' ? ['create'] : ['get', 'patch', 'update'] }),
  ]);
  send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources });
  return true;
}

/** The simulated kube-apiserver: HTTPS, real REST semantics, RBAC, Status errors. */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const store = opts.store ?? new ObjectStore(opts.storageDir);
  seed(store);
  const watchHub = new WatchHub(store);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    const auth = authenticate(req, store, opts.serviceAccount);
    if ('unauthorized' in auth) throw unauthorized();
    const user = auth.user;
    if (opts.anonymousAuth === false && user.name === 'system:anonymous') throw unauthorized();
    const parsed = parseResourcePath(pathname);

    if (!parsed) {
      const attrs: RequestAttributes = { verb: (req.method ?? 'GET').toLowerCase(), group: '', resource: '', path: pathname };
      if (!authorize(store, user, attrs)) throw new StatusError(403, 'Forbidden', forbiddenMessage(user, attrs, ''), {});
      if (req.method !== 'GET') throw methodNotSupported(`the server does not allow this method on the requested resource`);
      if (['/healthz', '/livez', '/readyz'].includes(pathname)) return send(res, 200, 'ok');
      if (pathname === '/version') return send(res, 200, versionInfo(opts.gitVersion));
      if (discovery(res, pathname)) return;
      const openApi = openApiResponse(pathname, opts.gitVersion);
      if (openApi) return send(res, 200, openApi);
      throw pathNotFound();
    }

    const { type, namespace, name, subresource } = parsed;
    if (subresource && !(type.subresources ?? []).includes(subresource)) throw pathNotFound();
    const watch = url.searchParams.get('watch');
    const watching = req.method === 'GET' && (watch === 'true' || watch === '1');
    const verb = watching ? 'watch' : req.method === 'GET' ? (name ? 'get' : 'list') : VERBS[req.method ?? ''];
    if (!verb) throw methodNotSupported(`the server does not allow this method on the requested resource`);
    const attrs: RequestAttributes = { verb, group: type.group, resource: type.resource, subresource, namespace, name };
    if (!authorize(store, user, attrs)) {
      throw new StatusError(403, 'Forbidden', forbiddenMessage(user, attrs, qualifiedResource(type)),
        { ...(name ? { name } : {}), ...(type.group ? { group: type.group } : {}), kind: type.resource });
    }
    const ns = type.namespaced ? namespace ?? '' : '';
    if (type.namespaced && namespace && (req.method === 'POST') && !store.get(namespacesType, '', namespace)) throw notFound(namespacesType, namespace);

    const table = subresource ? undefined : wantsTable(req.headers.accept);
    if (verb === 'watch') return watchHub.serve(req, res, type, type.namespaced ? namespace : undefined, name, url.searchParams);
    if (verb === 'list') {
      const labelSel = url.searchParams.get('labelSelector');
      const fieldSel = url.searchParams.get('fieldSelector');
      const items = store.list(type, type.namespaced ? namespace : undefined)
        .filter((o) => !labelSel || matchesLabelSelector(o.metadata.labels, labelSel))
        .filter((o) => !fieldSel || matchesFieldSelector(o, fieldSel))
        .map((o) => withTypeMeta(type, o));
      if (table) return sendTable(res, toTable(type, items, store.listResourceVersion(), url.searchParams.get('includeObject'), table), table);
      return send(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: store.listResourceVersion() }, items });
    }
    if (verb === 'get') {
      const obj = withTypeMeta(type, store.mustGet(type, ns, name!));
      if (table) return sendTable(res, toTable(type, [obj], obj.metadata.resourceVersion, url.searchParams.get('includeObject'), table), table);
      return send(res, 200, obj);
    }
    if (verb === 'delete') {
      const gone = store.delete(type, ns, name!);
      return send(res, 200, type.resource === 'namespaces' ? withTypeMeta(type, gone) : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid: gone.metadata.uid } });
    }

    const body = await readBody(req);
    if (verb === 'create' && subresource === 'token' && type === serviceAccountsType) {
      return send(res, 201, tokenRequest(store, opts.serviceAccount, ns, name!, body as KubeObject));
    }
    if (verb === 'create' && subresource === 'eviction') return send(res, 201, evictPod(store, ns, name!, body));
    if (verb === 'create') {
      if (name) throw methodNotSupported('the server does not allow this method on the requested resource');
      if (type.namespaced && !namespace) throw pathNotFound();
      const obj = checkBody(type, body);
      enforceFieldValidation(res, fieldValidationOf(url.searchParams, 'CreateOptions'), type.kind, type.version, obj);
      if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
      validateName(type, obj);
      applyDefaults(type.kind, obj, true);
      validateContent(type, obj);
      if (type.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (type.resource === 'certificatesigningrequests') {
        // The apiserver, not the client, records who asked: the approver trusts these fields.
        obj.spec = { ...(obj.spec ?? {}), username: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) };
      }
      return send(res, 201, withTypeMeta(type, store.create(type, ns, obj)));
    }
    const current = store.mustGet(type, ns, name!);
    let next: KubeObject;
    if (verb === 'patch') {
      next = applyPatch(req.headers['content-type'], type, current, body);
      if (!subresource) enforceFieldValidation(res, fieldValidationOf(url.searchParams, 'PatchOptions'), type.kind, type.version, next, { body, current });
      if (subresource === 'status') next = { ...current, status: next.status };
    } else {
      next = checkBody(type, body);
      if (!subresource) enforceFieldValidation(res, fieldValidationOf(url.searchParams, 'UpdateOptions'), type.kind, type.version, next);
      if (next.metadata.name !== name) throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
      if (subresource === 'status') next = { ...current, status: next.status, metadata: { ...current.metadata, resourceVersion: next.metadata.resourceVersion } };
      else if (subresource === 'approval') next = { ...current, status: { ...current.status, conditions: next.status?.conditions ?? [] } };
      else if (type.subresources?.includes('status')) next = { ...next, status: current.status };
    }
    if (!subresource) applyDefaults(type.kind, next, false);
    validateContent(type, next);
    return send(res, 200, withTypeMeta(type, store.update(type, ns, next)));
  };

  const server = https.createServer({
    cert: opts.tlsCertPem, key: opts.tlsKeyPem, ca: opts.clientCaPem, requestCert: true, rejectUnauthorized: false,
    // No session resumption: Node 18 (the hosts' nodejs) reports a resumed session as
    // `authorized` without a peer certificate, so an anonymous client's second connection would
    // look authenticated. A full handshake per connection keeps x509 authentication exact.
    secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
  }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof StatusError) send(res, e.code, e.toBody());
      else send(res, 500, new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`).toBody());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });
  const controllerState = newControllerState(opts.podGcQuarantineMs ?? POD_GC_QUARANTINE_MS);
  // With several apiservers on one etcd, only the lease holder runs the controllers (leader.ts).
  const elector = new LeaderElector(store, opts.leaderIdentity ?? os.hostname());
  // The controllers work from informers: they act when an object they read changed, plus a periodic
  // resync. A pass over everything on every tick (about 25 etcd reads a second) kept the API
  // server and etcd busy on an idle control plane; in the emulated Vagrant VMs that was most of a
  // CPU. So a pass runs when something other than a Lease changed (from any apiserver: the watch
  // hub's store watch sees every write), on becoming the leader, while pods wait out the pod GC quarantine
  // (time-based), and at least every RESYNC_MS (token expiry is time-based too).
  let changed = true;
  let lastPass = 0;
  const stopChanges = watchHub.listen((ev) => { if (ev.object.kind !== 'Lease') changed = true; });
  const timer = setInterval(() => {
    try {
      if (!elector.tryAcquireOrRenew()) { changed = true; return; }
      const now = Date.now();
      if (!changed && controllerState.missingNodeSince.size === 0 && now - lastPass < RESYNC_MS) return;
      // Cleared before the pass: the pass's own writes make the next tick look again, until a pass changes nothing.
      changed = false;
      lastPass = now;
      reconcile(store, opts.clusterSigner, opts.clientCaPem, controllerState);
    } catch (e) { process.stderr.write(`controller: ${(e as Error).message}\n`); }
  }, opts.controllerIntervalMs ?? 1000);
  return {
    port: (server.address() as AddressInfo).port,
    store,
    close: () => new Promise((resolve) => { clearInterval(timer); stopChanges(); watchHub.stop(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The controllers' periodic resync when nothing changed (informer resync; time-based rules). */
const RESYNC_MS = 10_000;

function versionInfo(gitVersion: string) {
  const [major, minor] = gitVersion.replace(/^v/, '').split('.');
  return { major, minor, gitVersion, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64' };
}

function withTypeMeta(type: ResourceType, o: KubeObject): KubeObject {
  return { apiVersion: apiVersionOf(type), kind: type.kind, ...o };
}

function checkBody(type: ResourceType, body: unknown): KubeObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  const obj = body as KubeObject;
  // Like the real apiserver, stringData is write-only: folded into data (base64) on write.
  if (type.resource === 'secrets' && obj.stringData && typeof obj.stringData === 'object') {
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString('base64');
    delete obj.stringData;
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(type)) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
  }
  if (obj.kind !== undefined && obj.kind !== type.kind) throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`);
  obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
  return obj;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RBAC_NAME = /^[^/%]+$/;

function validateName(type: ResourceType, obj: KubeObject): void {
  const name = obj.metadata.name;
  if (!name) throw invalid(type, '', ['metadata.name: Required value: name or generateName is required']);
  const ok = type.group === 'rbac.authorization.k8s.io' ? RBAC_NAME.test(name) : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) {
    throw invalid(type, name, [`metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`]);
  }
}

/**
 * The field validation kinstall's edits can trip: label keys/values and annotation keys
 * (apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMeta → ValidateLabels,
 * ValidateAnnotations) and node taints (pkg/apis/core/validation/validation.go validateNodeTaints:
 * qualified-name key, label-value value, a known effect, no two taints with the same key and effect).
 */
export function contentErrors(type: ResourceType, obj: KubeObject): string[] {
  const errs: string[] = [];
  for (const [k, v] of Object.entries((obj.metadata.labels ?? {}) as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k)) errs.push(`metadata.labels: Invalid value: "${k}": ${m}`);
    for (const m of labelValueErrors(String(v))) errs.push(`metadata.labels: Invalid value: "${String(v)}": ${m}`);
  }
  for (const k of Object.keys((obj.metadata.annotations ?? {}) as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(`metadata.annotations: Invalid value: "${k}": ${m}`);
  }
  if (type.kind === 'PodDisruptionBudget') errs.push(...pdbSpecErrors(obj));
  if (type.kind === 'Node') {
    const taints: any[] = Array.isArray(obj.spec?.taints) ? obj.spec.taints : [];
    const seen = new Set<string>();
    taints.forEach((t, i) => {
      const at = `spec.taints[${i}]`;
      for (const m of qualifiedNameErrors(String(t?.key ?? ''))) errs.push(`${at}.key: Invalid value: "${t?.key ?? ''}": ${m}`);
      if (t?.value !== undefined) for (const m of labelValueErrors(String(t.value))) errs.push(`${at}.value: Invalid value: "${t.value}": ${m}`);
      if (!t?.effect) errs.push(`${at}.effect: Required value`);
      else if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) errs.push(`${at}.effect: Unsupported value: "${t.effect}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`);
      const id = `${t?.key}:${t?.effect}`;
      if (seen.has(id)) errs.push(`${at}: Duplicate value: "${id}": taints must be unique by key and effect pair`);
      seen.add(id);
    });
  }
  return errs;
}

function validateContent(type: ResourceType, obj: KubeObject): void {
  const errs = contentErrors(type, obj);
  if (errs.length) throw invalid(type, String(obj.metadata.name ?? ''), errs);
}

function tokenRequest(store: ObjectStore, signer: ServiceAccountSigner, ns: string, name: string, body: KubeObject): KubeObject {
  const sa = store.mustGet(serviceAccountsType, ns, name);
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (TokenRequest)`);
  const expirationSeconds = Number(body.spec?.expirationSeconds ?? 3600);
  const tr = findResource('', 'v1', 'serviceaccounts')!;
  if (expirationSeconds < 600) throw invalid({ ...tr, kind: 'TokenRequest' }, name, [`spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`]);
  if (expirationSeconds > 2 ** 32) throw invalid({ ...tr, kind: 'TokenRequest' }, name, [`spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`]);
  const audiences: string[] = body.spec?.audiences?.length ? body.spec.audiences : [signer.issuer];
  const { token, expires } = signServiceAccountToken(signer, sa, audiences, expirationSeconds);
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: null },
    status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}

/** What a fresh apiserver creates: system namespaces and the RBAC bootstrap policy. */
function seed(store: ObjectStore): void {
  // Another apiserver on the same etcd may seed the same object at the same moment: AlreadyExists is fine.
  const ifAbsent = (create: () => unknown) => { try { create(); } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; } };
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    if (!store.get(namespacesType, '', n)) {
      ifAbsent(() => store.create(namespacesType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'kubernetes.io/metadata.name': n } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }));
    }
  }
  const policy = bootstrapPolicy();
  const crT = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const crbT = findResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  for (const r of policy.clusterRoles) if (!store.get(crT, '', r.metadata.name)) ifAbsent(() => store.create(crT, '', r));
  for (const b of policy.clusterRoleBindings) if (!store.get(crbT, '', b.metadata.name)) ifAbsent(() => store.create(crbT, '', b));
}

export function readPem(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
