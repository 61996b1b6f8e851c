import type { ServerResponse } from 'node:http';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';

/**
 * Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get`
 * asks for by default and with -o wide) answered with a meta.k8s.io/v1 Table.
 * Columns (name, type, format, priority) and cells: kubernetes pkg/printers/internalversion/
 * printers.go (AddHandlers, printNode, printPod, printDaemonSet, printDeployment, printService,
 * printNamespace, printConfigMap, printSecret, printServiceAccount) at release-1.32; kinds without a
 * printer get the default convertor's Name / Created At (apiserver/pkg/registry/rest/table.go).
 * Ages: apimachinery/pkg/util/duration HumanDuration. Row objects: PartialObjectMetadata unless
 * includeObject=None|Object (apiserver/pkg/endpoints/handlers/response.go).
 * Column descriptions are short paraphrases of the upstream SwaggerDoc texts (kubectl never prints them).
 */

export interface Column { name: string; type: string; format?: string; priority?: number; description: string }
type Cell = string | number | boolean;

const col = (name: string, type: string, description: string, extra: Partial<Column> = {}): Column =>
  ({ name, type, format: '', description, priority: 0, ...extra });
const NAME = col('Name', 'string', 'Name must be unique within a namespace (metadata.name).', { format: 'name' });
const AGE = col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created (metadata.creationTimestamp).');
const CONTAINERS = col('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
const IMAGES = col('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });

/** apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) { const s = seconds % 60; return s === 0 ? `${minutes}m` : `${minutes}m${s}s`; }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) { const m = minutes % 60; return m === 0 ? `${hours}h` : `${hours}h${m}m`; }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) { const h = hours % 24; return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`; }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) { const dy = Math.floor(hours / 24) % 365; return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`; }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const age = (o: KubeObject, now: number) => (o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');

/** labels.FormatLabels: sorted k=v joined by ",", "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

/** metav1.FormatLabelSelector. */
function formatLabelSelector(sel: any): string {
  if (!sel) return '<none>';
  const parts: string[] = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}=${sel.matchLabels[k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const op = String(e.operator ?? '').toLowerCase();
    if (op === 'in' || op === 'notin') parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
    else if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
  }
  const s = parts.join(',');
  return s.length === 0 ? '<none>' : s;
}

const containerCells = (containers: any[] | undefined): [string, string] =>
  [(containers ?? []).map((c) => c.name).join(','), (containers ?? []).map((c) => c.image).join(',')];

/** printNode: Ready condition, SchedulingDisabled, roles from node-role.kubernetes.io/* and kubernetes.io/role. */
function nodeCells(n: KubeObject, now: number): Cell[] {
  const conds: any[] = n.status?.conditions ?? [];
  const statuses: string[] = [];
  for (const c of conds) if (c.type === 'Ready') statuses.push(c.status === 'True' ? 'Ready' : 'NotReady');
  if (statuses.length === 0) statuses.push('Unknown');
  if (n.spec?.unschedulable) statuses.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((n.metadata.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) { const r = k.slice('node-role.kubernetes.io/'.length); if (r) roles.add(r); }
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  const addr = (t: string) => (n.status?.addresses ?? []).find((a: any) => a.type === t)?.address ?? '<none>';
  const info = n.status?.nodeInfo ?? {};
  const orUnknown = (s: string | undefined) => (s ? s : '<unknown>');
  return [n.metadata.name, statuses.join(','), roles.size ? [...roles].sort().join(',') : '<none>', age(n, now), info.kubeletVersion ?? '',
    addr('InternalIP'), addr('ExternalIP'), orUnknown(info.osImage), orUnknown(info.kernelVersion), orUnknown(info.containerRuntimeVersion)];
}

/** printPod (the common paths of its status reason: init containers, waiting/terminated reasons, Terminating). */
function podCells(p: KubeObject, now: number): Cell[] {
  const spec = p.spec ?? {}, status = p.status ?? {};
  const total = (spec.containers ?? []).length;
  let restarts = 0, ready = 0;
  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  let initializing = false;
  const inits: any[] = status.initContainerStatuses ?? [];
  inits.forEach((c, i) => {
    restarts += c.restartCount ?? 0;
    const st = c.state ?? {};
    if (st.terminated && st.terminated.exitCode === 0) return;
    if (st.terminated) {
      reason = st.terminated.reason ? `Init:${st.terminated.reason}` : st.terminated.signal ? `Init:Signal:${st.terminated.signal}` : `Init:ExitCode:${st.terminated.exitCode}`;
      initializing = true;
    } else if (st.waiting && st.waiting.reason && st.waiting.reason !== 'PodInitializing') {
      reason = `Init:${st.waiting.reason}`; initializing = true;
    } else if (!(initializing)) {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`; initializing = true;
    }
  });
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const cs: any[] = [...(status.containerStatuses ?? [])].reverse();
    for (const c of cs) {
      restarts += c.restartCount ?? 0;
      const st = c.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      else if (st.running && c.ready) { hasRunning = true; ready++; }
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (p.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const gates: any[] = spec.readinessGates ?? [];
  const gateCell = gates.length
    ? `${gates.filter((g) => (status.conditions ?? []).some((c: any) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}` : '<none>';
  return [p.metadata.name, `${ready}/${total}`, reason, String(restarts), age(p, now),
    status.podIP || '<none>', spec.nodeName || '<none>', status.nominatedNodeName || '<none>', gateCell];
}

/** printService's ports and external IP cells. */
function serviceCells(s: KubeObject, now: number): Cell[] {
  const spec = s.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const ports = (spec.ports ?? []).map((p: any) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
  let external: string;
  const ext: string[] = spec.externalIPs ?? [];
  if (type === 'ExternalName') external = spec.externalName ?? '<none>';
  else if (type === 'LoadBalancer') {
    const lb = (s.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname);
    const all = [...lb, ...ext];
    external = all.length ? all.join(',') : '<pending>';
  } else external = ext.length ? ext.join(',') : '<none>';
  return [s.metadata.name, type, spec.clusterIP || '<none>', external, ports || '<none>', age(s, now), formatLabels(spec.selector)];
}

interface Printer { columns: Column[]; cells(o: KubeObject, now: number): Cell[] }

export const PRINTERS: Record<string, Printer> = {
  Node: {
    columns: [NAME, col('Status', 'string', 'The status of the node'), col('Roles', 'string', 'The roles of the node'), AGE,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of addresses reachable to the node.', { priority: 1 }),
      col('External-IP', 'string', 'List of addresses reachable to the node.', { priority: 1 }),
      col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release.', { priority: 1 }),
      col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r'.", { priority: 1 }),
      col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API.', { priority: 1 })],
    cells: nodeCells,
  },
  Pod: {
    columns: [NAME, col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE, col('IP', 'string', 'podIP address allocated to the pod.', { priority: 1 }),
      col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', { priority: 1 }),
      col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
      col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 })],
    cells: podCells,
  },
  DaemonSet: {
    columns: [NAME, col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
      col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
      col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), AGE, CONTAINERS, IMAGES,
      col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', { priority: 1 })],
    cells: (d, now) => {
      const st = d.status ?? {};
      const [names, images] = containerCells(d.spec?.template?.spec?.containers);
      return [d.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0, formatLabels(d.spec?.template?.spec?.nodeSelector), age(d, now), names, images, formatLabelSelector(d.spec?.selector)];
    },
  },
  Deployment: {
    columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE, CONTAINERS, IMAGES, col('Selector', 'string', 'Label selector for pods.', { priority: 1 })],
    cells: (d, now) => {
      const st = d.status ?? {};
      const [names, images] = containerCells(d.spec?.template?.spec?.containers);
      return [d.metadata.name, `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0,
        age(d, now), names, images, formatLabelSelector(d.spec?.selector)];
    },
  },
  Service: {
    columns: [NAME, col('Type', 'string', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 'clusterIP is the IP address of the service.'),
      col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 'The list of ports that are exposed by this service.'), AGE,
      col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 })],
    cells: serviceCells,
  },
  Namespace: {
    columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
    cells: (n, now) => [n.metadata.name, n.status?.phase ?? '', age(n, now)],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'string', 'Data contains the configuration data.'), AGE],
    cells: (c, now) => [c.metadata.name, Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length, age(c, now)],
  },
  Secret: {
    columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 'Data contains the secret data.'), AGE],
    cells: (s, now) => [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
  },
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
    cells: (s, now) => [s.metadata.name, (s.secrets ?? []).length, age(s, now)],
  },
};

/** rest.NewDefaultTableConvertor: Name and Created At. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

/** The Accept header asks for a Table (meta.k8s.io v1 or v1beta1), as kubectl's human-readable get does. */
export function wantsTable(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(part.split(';').slice(1).map((p) => { const [k, v] = p.trim().split('='); return [k ?? '', v ?? ''] as const; }));
    if (part.split(';')[0]!.trim() === 'application/json' && params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1' || v === 'v1beta1') return v;
    }
    if (part.split(';')[0]!.trim() === 'application/json' && !params.has('as')) return undefined;
  }
  return undefined;
}

export function toTable(type: ResourceType, objects: KubeObject[], resourceVersion: string, includeObject: string | null, version: 'v1' | 'v1beta1' = 'v1', now = Date.now()): Record<string, unknown> {
  const printer = PRINTERS[type.kind] ?? DEFAULT_PRINTER;
  const apiVersion = `meta.k8s.io/${version}`;
  return {
    kind: 'Table', apiVersion, metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((o) => ({
      cells: printer.cells(o, now),
      object: includeObject === 'None' ? null : includeObject === 'Object' ? o
        : { kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata },
    })),
  };
}

export function sendTable(res: ServerResponse, table: Record<string, unknown>, version: 'v1' | 'v1beta1'): void {
  res.writeHead(200, { 'Content-Type': `application/json;as=Table;v=${version};g=meta.k8s.io` });
  res.end(JSON.stringify(table));
}
