#!/usr/bin/env node
// kubectl simulator: the subset kinstall uses, over HTTPS to the server in the kubeconfig with
// its credentials and CA (always verified). Output and error texts follow kubectl 1.28.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ApiError, KubeClient } from './common/kube-client.js';
import { readKubeconfig } from './common/kubeconfig.js';
import {
  KubectlError, apiVersionOf, kindForResource, kindRef, mapKind, parseManifests, resourcePath,
  resourceRef, validationError, type KindInfo, type SourcedObject,
} from './common/kubectl-manifests.js';
import { JsonPathError, renderJsonPath } from './common/jsonpath.js';
import { cordon, drain } from './common/kubectl-drain.js';
import {
  EditError, TaintSpecError, editAnnotations, editLabels, editTaints, parseKeyValueArgs, parseTaintArgs,
} from './common/labels.js';
import { SIMULATOR_MARK, readSimVersion } from './common/sim-version.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const VALUE_OPTS = new Set(['kubeconfig', 'namespace', 'n', 'output', 'o', 'filename', 'f', 'timeout', 'for', 'duration', 'selector', 'l', 'field-selector', 'request-timeout', 'raw', 'grace-period']);
const BOOL_OPTS = new Set(['all-namespaces', 'A', 'all', 'client', 'ignore-not-found', 'watch', 'w', 'overwrite', 'force', 'ignore-daemonsets', 'delete-emptydir-data']);

interface Args { positional: string[]; opts: Map<string, string[]>; }

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const opts = new Map<string, string[]>();
  const add = (k: string, v: string) => opts.set(k, [...(opts.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-') { positional.push(a); continue; }
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) { positional.push(a); continue; }
    const name = m[1]!;
    if (BOOL_OPTS.has(name)) { add(name, m[2] ?? 'true'); continue; }
    if (!VALUE_OPTS.has(name)) throw new KubectlError(`error: unknown flag: ${a.startsWith('--') ? `--${name}` : `-${name}`}\nSee 'kubectl --help' for usage.`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new KubectlError(`error: flag needs an argument: ${a}`);
    add(name, v);
  }
  return { positional, opts };
}

const opt = (a: Args, ...names: string[]): string | undefined => {
  for (const n of names) { const v = a.opts.get(n); if (v) return v[v.length - 1]; }
  return undefined;
};
const flag = (a: Args, ...names: string[]) => names.some((n) => a.opts.get(n)?.at(-1) === 'true');

function kubeconfigPath(a: Args): string {
  return opt(a, 'kubeconfig') ?? process.env.KUBECONFIG?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
}

function connect(a: Args): { client: KubeClient; namespace: string } {
  let cfg;
  try { cfg = readKubeconfig(kubeconfigPath(a)); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test(String((e as Error).message))) {
      throw new KubectlError('The connection to the server localhost:8080 was refused - did you specify the right host or port?');
    }
    throw new KubectlError(`error: ${(e as Error).message}`);
  }
  const timeout = opt(a, 'request-timeout');
  // kubectl: a bare number is seconds, "0" means no timeout.
  const timeoutMs = timeout === undefined ? 0 : /^\d+$/.test(timeout) ? Number(timeout) * 1000 : parseDuration(timeout, 'request-timeout');
  return { client: new KubeClient(cfg, timeoutMs), namespace: opt(a, 'namespace', 'n') ?? cfg.namespace ?? 'default' };
}

/** Turns an API failure into kubectl's "Error from server (Reason): ..." line. */
function serverError(e: unknown, context = ''): KubectlError {
  if (e instanceof ApiError) {
    const reason = e.reason || (e.status === 401 ? 'Unauthorized' : e.status === 403 ? 'Forbidden' : 'InternalError');
    if (e.status === 401) return new KubectlError('error: You must be logged in to the server (Unauthorized)');
    return new KubectlError(`Error from server (${reason}): ${context}${e.message}`);
  }
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED') return new KubectlError(`The connection to the server ${err.message.replace(/^.*ECONNREFUSED /, '')} was refused - did you specify the right host or port?`);
  return new KubectlError(`Unable to connect to the server: ${err.message}`);
}

function readSource(f: string): string {
  if (/^https?:\/\//.test(f)) throw new KubectlError(`error: the simulator does not fetch URLs (${f}): download the manifest and apply the file`);
  try { return f === '-' ? readFileSync(0, 'utf8') : readFileSync(f, 'utf8'); } catch {
    throw new KubectlError(`error: the path "${f}" does not exist`);
  }
}

function manifestsFrom(a: Args): Array<SourcedObject & { kind: KindInfo }> {
  const files = a.opts.get('filename') ?? a.opts.get('f') ?? [];
  if (!files.length) throw new KubectlError('error: must specify one of -f and -k');
  const objs = files.flatMap((f) => parseManifests(readSource(f), f));
  if (!objs.length) throw new KubectlError('error: no objects passed to apply');
  // Like kubectl: every object is mapped before the first request is made.
  return objs.map((o) => ({ ...o, kind: mapKind(o) }));
}

async function apply(a: Args): Promise<void> {
  const { client, namespace } = connect(a);
  for (const o of manifestsFrom(a)) {
    const k = o.kind;
    const invalid = validationError(o, k);
    if (invalid) throw new KubectlError(invalid);
    const ns = k.namespaced ? (o.obj.metadata.namespace ?? namespace) : null;
    const desired = structuredClone(o.obj);
    if (ns) desired.metadata.namespace = ns;
    const applied = JSON.stringify(o.obj);
    desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}), [LAST_APPLIED]: applied + '\n' };
    const name = o.obj.metadata.name;
    let existing: any = null;
    try { existing = await client.get(resourcePath(k, ns, name)); } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw serverError(e);
    }
    try {
      if (!existing) {
        await client.create(resourcePath(k, ns), desired);
        console.log(`${kindRef(k)}/${name} created`);
      } else if (existing.metadata?.annotations?.[LAST_APPLIED]?.trim() === applied) {
        console.log(`${kindRef(k)}/${name} unchanged`);
      } else {
        desired.metadata.resourceVersion = existing.metadata?.resourceVersion;
        if (existing.status && !desired.status) desired.status = existing.status;
        await client.replace(resourcePath(k, ns, name), desired);
        console.log(`${kindRef(k)}/${name} configured`);
      }
    } catch (e) {
      throw serverError(e, `error when ${existing ? 'patching' : 'creating'} "${o.source}": `);
    }
  }
}

async function del(a: Args): Promise<void> {
  const { client, namespace } = connect(a);
  if (a.positional[1]) return deleteByName(a, client, namespace);
  let failed: KubectlError | null = null;
  for (const o of manifestsFrom(a)) {
    const k = o.kind;
    const ns = k.namespaced ? (o.obj.metadata.namespace ?? namespace) : null;
    try {
      await client.delete(resourcePath(k, ns, o.obj.metadata.name));
      console.log(`${kindRef(k)} "${o.obj.metadata.name}" deleted`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && flag(a, 'ignore-not-found')) continue;
      failed = serverError(e, `error when deleting "${o.source}": `);
      console.error(failed.message);
    }
  }
  if (failed) throw new KubectlError('');
}

/** `kubectl delete TYPE NAME...` / `TYPE/NAME`. */
async function deleteByName(a: Args, client: KubeClient, namespace: string): Promise<void> {
  const [, resource, ...names] = a.positional;
  const [res, slashName] = resource!.split('/');
  const k = kindForResource(res!);
  const targets = slashName ? [slashName, ...names] : names;
  if (!targets.length) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  const ns = k.namespaced ? namespace : null;
  let failed = false;
  for (const name of targets) {
    try {
      await client.delete(resourcePath(k, ns, name));
      console.log(`${kindRef(k)} "${name}" deleted`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && flag(a, 'ignore-not-found')) continue;
      console.error(serverError(e).message);
      failed = true;
    }
  }
  if (failed) throw new KubectlError('');
}

function age(ts?: string): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function nodeReady(n: any): boolean {
  return n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function row(k: KindInfo, o: any, wide: boolean): string[] {
  const m = o.metadata ?? {};
  switch (k.kind) {
    case 'Node': {
      const roles = Object.keys(m.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.split('/')[1]).join(',') || '<none>';
      const base = [m.name, nodeReady(o) ? 'Ready' : 'NotReady', roles, age(m.creationTimestamp), o.status?.nodeInfo?.kubeletVersion ?? ''];
      if (!wide) return base;
      const ip = o.status?.addresses?.find((x: any) => x.type === 'InternalIP')?.address ?? '<none>';
      const info = o.status?.nodeInfo ?? {};
      return [...base, ip, '<none>', info.osImage ?? '', info.kernelVersion ?? '', info.containerRuntimeVersion ?? ''];
    }
    case 'Pod': {
      const cs: any[] = o.status?.containerStatuses ?? [];
      const total = o.spec?.containers?.length ?? cs.length;
      const waiting = cs.find((c) => c.state?.waiting)?.state.waiting.reason;
      const base = [m.name, `${cs.filter((c) => c.ready).length}/${total}`, waiting ?? o.status?.phase ?? 'Pending', String(cs.reduce((s, c) => s + (c.restartCount ?? 0), 0)), age(m.creationTimestamp)];
      return wide ? [...base, o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>'] : base;
    }
    case 'DaemonSet': {
      const s = o.status ?? {};
      const sel = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([a, b]) => `${a}=${b}`).join(',') || '<none>';
      return [m.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0, sel, age(m.creationTimestamp)].map(String);
    }
    case 'Deployment': {
      const s = o.status ?? {};
      return [m.name, `${s.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, age(m.creationTimestamp)].map(String);
    }
    case 'Namespace': return [m.name, o.status?.phase ?? 'Active', age(m.creationTimestamp)];
    case 'ServiceAccount': return [m.name, String(o.secrets?.length ?? 0), age(m.creationTimestamp)];
    case 'Secret': return [m.name, o.type ?? 'Opaque', String(Object.keys(o.data ?? {}).length), age(m.creationTimestamp)];
    default: return [m.name, age(m.creationTimestamp)];
  }
}

const HEADERS: Record<string, string[]> = {
  Node: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  NodeWide: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  Pod: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  PodWide: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'],
  DaemonSet: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  Deployment: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  Namespace: ['NAME', 'STATUS', 'AGE'],
  ServiceAccount: ['NAME', 'SECRETS', 'AGE'],
  Secret: ['NAME', 'TYPE', 'DATA', 'AGE'],
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n');
}

async function get(a: Args): Promise<void> {
  const rawPath = opt(a, 'raw');
  if (rawPath !== undefined) {
    if (a.positional.length > 1) throw new KubectlError('error: arguments may not be passed when --raw is specified');
    const { client } = connect(a);
    let body: string;
    try { body = await client.raw(rawPath); } catch (e) { throw serverError(e); }
    process.stdout.write(body);
    return;
  }
  const [, resource, name] = a.positional;
  if (!resource) throw new KubectlError('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.');
  const [res, slashName] = resource.split('/');
  const k = kindForResource(res!);
  const itemName = slashName ?? name;
  const { client, namespace } = connect(a);
  const all = flag(a, 'all-namespaces', 'A');
  const output = opt(a, 'output', 'o');
  const jsonpath = output?.startsWith('jsonpath=') ? output.slice('jsonpath='.length) : undefined;
  if (output && jsonpath === undefined && !['json', 'yaml', 'name', 'wide'].includes(output)) throw new KubectlError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,jsonpath,name,wide,yaml`);
  const ns = k.namespaced && !all ? namespace : null;
  let items: any[];
  let single = false;
  try {
    if (itemName) {
      items = [await client.get(resourcePath(k, ns, itemName))];
      single = true;
    } else {
      const q = new URLSearchParams();
      const l = opt(a, 'selector', 'l'); if (l) q.set('labelSelector', l);
      const fs = opt(a, 'field-selector'); if (fs) q.set('fieldSelector', fs);
      const list = await client.get(resourcePath(k, ns) + (q.size ? `?${q}` : ''));
      items = list?.items ?? [];
    }
  } catch (e) { throw serverError(e); }
  for (const it of items) { it.apiVersion ??= apiVersionOf(k); it.kind ??= k.kind; }
  if (jsonpath !== undefined) {
    const value = single ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    try { process.stdout.write(renderJsonPath(jsonpath, value)); } catch (e) {
      if (e instanceof JsonPathError) throw new KubectlError(`error: ${e.message}`);
      throw e;
    }
    return;
  }
  if (output === 'json' || output === 'yaml') {
    const value = single ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    process.stdout.write(output === 'json' ? JSON.stringify(value, null, 4) + '\n' : toYaml(value));
    return;
  }
  if (output === 'name') { for (const it of items) console.log(`${kindRef(k)}/${it.metadata.name}`); return; }
  if (!items.length) {
    console.error(ns ? `No resources found in ${ns} namespace.` : 'No resources found');
    return;
  }
  const wide = output === 'wide';
  const header = HEADERS[`${k.kind}${wide ? 'Wide' : ''}`] ?? HEADERS[k.kind] ?? ['NAME', 'AGE'];
  const rows = items.map((it) => row(k, it, wide));
  console.log(table(all && k.namespaced ? [['NAMESPACE', ...header], ...rows.map((r, i) => [items[i].metadata.namespace, ...r])] : [header, ...rows]));
}

function parseDuration(s: string, what: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0; let consumed = '';
  for (const m of s.matchAll(re)) { total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms']; consumed += m[0]; }
  if (s === '0') return 0;
  if (!consumed || consumed !== s) throw new KubectlError(`error: invalid argument "${s}" for "--${what}" flag: time: invalid duration "${s}"`);
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function wait(a: Args): Promise<void> {
  const cond = opt(a, 'for');
  const m = cond && /^condition=([^=]+)(?:=(.+))?$/.exec(cond);
  if (!m) throw new KubectlError('error: --for must be set to condition=NAME (the simulator supports conditions only)');
  const want = (m[2] ?? 'True').toLowerCase();
  const timeout = parseDuration(opt(a, 'timeout') ?? '30s', 'timeout');
  const [, resource, name] = a.positional;
  if (!resource) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  const [res, slashName] = resource.split('/');
  const k = kindForResource(res!);
  const itemName = slashName ?? name;
  if (!itemName && !flag(a, 'all')) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  const { client, namespace } = connect(a);
  const ns = k.namespaced ? namespace : null;
  const deadline = Date.now() + timeout;
  const fetch = async (): Promise<any[]> => {
    try {
      return itemName ? [await client.get(resourcePath(k, ns, itemName))] : ((await client.get(resourcePath(k, ns)))?.items ?? []);
    } catch (e) { throw serverError(e); }
  };
  let items = await fetch();
  if (!items.length) throw new KubectlError('error: no matching resources found');
  const met = (o: any) => o.status?.conditions?.some((c: any) => c.type.toLowerCase() === m[1]!.toLowerCase() && String(c.status).toLowerCase() === want);
  const reported = new Set<string>();
  for (;;) {
    for (const o of items) if (met(o) && !reported.has(o.metadata.name)) { reported.add(o.metadata.name); console.log(`${kindRef(k)}/${o.metadata.name} condition met`); }
    const pending = items.filter((o) => !met(o));
    if (!pending.length) return;
    if (Date.now() >= deadline) throw new KubectlError(`error: timed out waiting for the condition on ${k.plural}/${pending[0].metadata.name}`);
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
    items = await fetch();
  }
}

async function rollout(a: Args): Promise<void> {
  const [, sub, target] = a.positional;
  if (sub !== 'status') throw new KubectlError(`error: unknown command "${sub ?? ''}" for "kubectl rollout" (the simulator supports "status")`);
  const [res, name] = (target ?? '').split('/');
  if (!res || !name) throw new KubectlError('error: required resource not specified');
  const k = kindForResource(res);
  if (k.kind !== 'DaemonSet' && k.kind !== 'Deployment') throw new KubectlError(`error: no status viewer has been implemented for ${k.kind}`);
  const timeout = parseDuration(opt(a, 'timeout') ?? '0s', 'timeout');
  const { client, namespace } = connect(a);
  const deadline = timeout ? Date.now() + timeout : Infinity;
  let last = '';
  for (;;) {
    let o: any;
    try { o = await client.get(resourcePath(k, namespace, name)); } catch (e) { throw serverError(e); }
    const s = o.status ?? {};
    let msg: string | null;
    // As kubectl's status viewers: nothing counts until the controller has seen this generation.
    if ((o.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
      msg = `Waiting for ${k.kind === 'DaemonSet' ? 'daemon set' : 'deployment'} spec update to be observed...`;
    } else if (k.kind === 'DaemonSet') {
      const desired = s.desiredNumberScheduled ?? 0;
      const updated = s.updatedNumberScheduled ?? 0;
      const available = s.numberAvailable ?? 0;
      msg = updated < desired ? `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`
        : available < desired ? `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`
        : null;
      if (!msg) { console.log(`daemon set "${name}" successfully rolled out`); return; }
    } else {
      const replicas = o.spec?.replicas ?? 1;
      const updated = s.updatedReplicas ?? 0;
      const available = s.availableReplicas ?? 0;
      msg = updated < replicas ? `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`
        : available < updated ? `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`
        : null;
      if (!msg) { console.log(`deployment "${name}" successfully rolled out`); return; }
    }
    if (msg !== last) { console.log(msg); last = msg; }
    if (Date.now() >= deadline) throw new KubectlError('error: timed out waiting for the condition');
    await sleep(1000);
  }
}

async function createToken(a: Args): Promise<void> {
  const [, what, sa] = a.positional;
  if (what !== 'token') throw new KubectlError(`error: unknown command "${what ?? ''}" for "kubectl create" (the simulator supports "token")`);
  if (!sa) throw new KubectlError('error: exactly one NAME is required, got 0');
  const duration = opt(a, 'duration');
  const spec: Record<string, unknown> = { audiences: [] };
  if (duration) spec.expirationSeconds = Math.floor(parseDuration(duration, 'duration') / 1000);
  const { client, namespace } = connect(a);
  try {
    const res = await client.create(`/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
    console.log(res.status.token);
  } catch (e) { throw serverError(e); }
}

async function version(a: Args): Promise<void> {
  const v = readSimVersion('kubectl');
  const clientVersion = { major: v.major, minor: v.minor, gitVersion: v.gitVersion, gitCommit: 'kinstall-lab-simulator', gitTreeState: 'clean', goVersion: 'go1.21.13', compiler: 'gc', platform: 'linux/amd64' };
  let serverVersion: any;
  if (!flag(a, 'client')) {
    const { client } = connect(a);
    try { serverVersion = await client.get('/version'); } catch (e) { throw serverError(e); }
  }
  if (opt(a, 'output', 'o') === 'json') {
    console.log(JSON.stringify({ clientVersion, kustomizeVersion: 'v5.0.4-0.20230601165947-6ce0bf390ce3', ...(serverVersion ? { serverVersion } : {}) }, null, 2));
    return;
  }
  console.log(`Client Version: ${v.gitVersion} ${SIMULATOR_MARK}`);
  console.log('Kustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3');
  if (serverVersion) console.log(`Server Version: ${serverVersion.gitVersion}`);
}

async function clusterInfo(a: Args): Promise<void> {
  const { client } = connect(a);
  try { await client.get('/version'); } catch (e) { throw serverError(e); }
  const server = client.config.server;
  console.log(`Kubernetes control plane is running at ${server}`);
  try {
    await client.get('/api/v1/namespaces/kube-system/services/kube-dns');
    console.log(`CoreDNS is running at ${server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`);
  } catch { /* no DNS service: kubectl prints nothing for it */ }
  console.log("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.");
}

/**
 * `TYPE NAME args...` or `TYPE/NAME args...` of label/annotate/taint: the object and the edit
 * arguments (kubectl takes the first argument that looks like an edit as the start of the edits).
 */
function objectAndEdits(a: Args, verb: string): { k: KindInfo; name: string; edits: string[] } {
  const [, resource, ...rest] = a.positional;
  if (!resource) throw new KubectlError(`error: one or more resources must be specified as <resource> <name> or <resource>/<name>`);
  const [res, slashName] = resource.split('/');
  const k = kindForResource(res!);
  const name = slashName ?? rest.shift();
  const edits = rest;
  if (!name) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  if (!edits.length) throw new KubectlError(`error: at least one ${verb} update is required`);
  return { k, name, edits };
}

async function getObject(client: KubeClient, path: string): Promise<any> {
  try { return await client.get(path); } catch (e) { throw serverError(e); }
}

/** kubectl label (kubectl/pkg/cmd/label/label.go): validation, --overwrite, "<kind>/<name> labeled". */
async function label(a: Args): Promise<void> {
  const { k, name, edits } = objectAndEdits(a, 'label');
  let spec;
  try { spec = parseKeyValueArgs(edits, 'label'); } catch (e) { throw new KubectlError(`error: ${(e as Error).message}`); }
  const { client, namespace } = connect(a);
  const path = resourcePath(k, k.namespaced ? namespace : null, name);
  const obj = await getObject(client, path);
  let r;
  try { r = editLabels(obj.metadata?.labels, spec.set, spec.remove, flag(a, 'overwrite')); } catch (e) {
    if (e instanceof EditError) throw new KubectlError(`error: ${e.message}`);
    throw e;
  }
  for (const n of r.notes) console.log(n);
  if (r.verb !== 'not labeled') {
    const old = obj.metadata?.labels ?? {};
    const patch: Record<string, string | null> = {};
    for (const key of new Set([...Object.keys(old), ...Object.keys(r.labels)])) if (old[key] !== r.labels[key]) patch[key] = r.labels[key] ?? null;
    try { await client.mergePatch(path, { metadata: { labels: patch } }); } catch (e) { throw serverError(e); }
  }
  console.log(`${kindRef(k)}/${name} ${r.verb}`);
}

/** kubectl annotate (kubectl/pkg/cmd/annotate/annotate.go). */
async function annotate(a: Args): Promise<void> {
  const { k, name, edits } = objectAndEdits(a, 'annotation');
  let spec;
  try { spec = parseKeyValueArgs(edits, 'annotation'); } catch (e) { throw new KubectlError(`error: ${(e as Error).message}`); }
  const { client, namespace } = connect(a);
  const path = resourcePath(k, k.namespaced ? namespace : null, name);
  const obj = await getObject(client, path);
  let next: Record<string, string>;
  try { next = editAnnotations(obj.metadata?.annotations, spec.set, spec.remove, flag(a, 'overwrite')); } catch (e) {
    if (e instanceof EditError) throw new KubectlError(`error: ${e.message}`);
    throw e;
  }
  const old = obj.metadata?.annotations ?? {};
  const patch: Record<string, string | null> = {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) if (old[key] !== next[key]) patch[key] = next[key] ?? null;
  if (Object.keys(patch).length) {
    try { await client.mergePatch(path, { metadata: { annotations: patch } }); } catch (e) { throw serverError(e); }
  }
  console.log(`${kindRef(k)}/${name} annotated`);
}

/** kubectl taint (kubectl/pkg/cmd/taint/taint.go): nodes only; "node/<name> tainted|untainted|modified". */
async function taint(a: Args): Promise<void> {
  const { k, name, edits } = objectAndEdits(a, 'taint');
  if (k.kind !== 'Node') throw new KubectlError(`error: invalid resource type ${k.plural}, only nodes are supported`);
  let spec;
  try { spec = parseTaintArgs(edits); } catch (e) {
    if (e instanceof TaintSpecError) throw new KubectlError(`error: ${e.message}`);
    throw e;
  }
  const { client } = connect(a);
  const path = resourcePath(k, null, name);
  const node = await getObject(client, path);
  let r;
  try { r = editTaints(name, node.spec?.taints, spec.add, spec.remove, flag(a, 'overwrite')); } catch (e) {
    if (e instanceof EditError) throw new KubectlError(`error: ${e.message}`);
    throw e;
  }
  try { await client.mergePatch(path, { spec: { taints: r.taints.length ? r.taints : null } }); } catch (e) { throw serverError(e); }
  console.log(`${kindRef(k)}/${name} ${r.verb}`);
}

const stdio = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };

function nodeArg(a: Args, verb: string): string {
  const [, name, extra] = a.positional;
  if (!name) throw new KubectlError(`error: USAGE: ${verb} NODE [flags]\nSee 'kubectl ${verb} -h' for help and examples`);
  if (extra) throw new KubectlError(`error: the simulator ${verb}s one node at a time`);
  return name.replace(/^(nodes?|no)\//, '');
}

/** kubectl drain NODE (pkg/cmd/drain): --force, --ignore-daemonsets, --delete-emptydir-data, --grace-period, --timeout. */
async function drainCmd(a: Args): Promise<void> {
  const node = nodeArg(a, 'drain');
  const grace = opt(a, 'grace-period') ?? '-1';
  if (!/^-?\d+$/.test(grace)) throw new KubectlError(`error: invalid argument "${grace}" for "--grace-period" flag: strconv.ParseInt: parsing "${grace}": invalid syntax`);
  const { client } = connect(a);
  await drain(client, node, {
    force: flag(a, 'force'), ignoreDaemonSets: flag(a, 'ignore-daemonsets'), deleteEmptyDirData: flag(a, 'delete-emptydir-data'),
    gracePeriodSeconds: Number(grace), timeoutMs: parseDuration(opt(a, 'timeout') ?? '0s', 'timeout'),
    retryDelayMs: Number(process.env.KINSTALL_SIM_EVICT_RETRY_MS ?? 5000),
  }, stdio);
}

const COMMANDS: Record<string, (a: Args) => Promise<void>> = {
  cordon: async (a) => { const n = nodeArg(a, 'cordon'); await cordon(connect(a).client, n, true, stdio); },
  uncordon: async (a) => { const n = nodeArg(a, 'uncordon'); await cordon(connect(a).client, n, false, stdio); },
  drain: drainCmd,
  apply, delete: del, get, wait, rollout, create: createToken, version, 'cluster-info': clusterInfo, label, annotate, taint,
};

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const cmd = a.positional[0];
  if (!cmd) { console.log(`kubectl controls the Kubernetes cluster manager ${SIMULATOR_MARK}.`); return; }
  const run = COMMANDS[cmd];
  if (!run) throw new KubectlError(`error: unknown command "${cmd}" for "kubectl"`);
  await run(a);
}

main().catch((e) => {
  if (e instanceof KubectlError) { if (e.message) console.error(e.message); }
  else console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
