import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { NodeTaint } from '../kube/index.js';
import { render } from '../render.js';
import { execOrFail, firstControlPlane } from './remote.js';
import type { Step } from './types.js';

/**
 * hosts[].labels and hosts[].taints kept converged on the nodes. kubeadm sets them at
 * registration (nodeRegistration: taints, kubelet --node-labels for the labels the kubelet may
 * set), but only once: this step, run with kubectl and admin.conf on the first control plane,
 * applies later inventory changes and every label the kubelet may not set itself
 * (node-role.kubernetes.io/*, ...). What kinstall set is recorded in two node annotations, so a
 * label or taint that leaves the inventory is removed, and labels/taints others set are never
 * touched.
 */
export const managedLabelsAnnotation = 'kinstall.io/managed-labels';
export const managedTaintsAnnotation = 'kinstall.io/managed-taints';
const marker = '--- nodes json';

export interface NodeMetadata {
  labels: Record<string, string>;
  taints: NodeTaint[];
  annotations: Record<string, string>;
}

export interface DesiredNodeMetadata {
  name: string;
  labels: Record<string, string>;
  taints: NodeTaint[];
}

/** Pure: the probe's output → api state and every registered node's metadata. */
export function parseNodeMetadataProbe(stdout: string): { api: boolean; nodes: Map<string, NodeMetadata> } {
  const nodes = new Map<string, NodeMetadata>();
  const at = stdout.indexOf(`${marker}\n`);
  if (!/^api=ok$/m.test(stdout) || at < 0) return { api: false, nodes };
  const list = JSON.parse(stdout.slice(at + marker.length + 1)) as {
    items?: { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { taints?: NodeTaint[] } }[];
  };
  for (const item of list.items ?? []) {
    const name = item.metadata?.name;
    if (!name) continue;
    nodes.set(name, {
      labels: item.metadata?.labels ?? {},
      annotations: item.metadata?.annotations ?? {},
      taints: (item.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
    });
  }
  return { api: true, nodes };
}

const taintId = (t: Pick<NodeTaint, 'key' | 'effect'>) => `${t.key}:${t.effect}`;
const taintArg = (t: NodeTaint) => (t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`);
const list = (value: string | undefined) => (value ? value.split(',').filter(Boolean) : []);

/** The desired metadata of an inventory host (the grammar refuses uppercase node names). */
export function desiredNodeMetadata(host: ResolvedHost): DesiredNodeMetadata {
  return {
    name: host.name,
    labels: host.labels,
    taints: (host.spec.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
  };
}

/**
 * Pure: what to change so each registered node carries exactly the inventory's labels and taints
 * among those kinstall manages. Returns "would change" lines and kubectl argument lists (run in
 * order: set, remove, then record). A node not registered (yet) is left to the join steps.
 */
export function planNodeMetadata(nodes: Map<string, NodeMetadata>, desired: DesiredNodeMetadata[]): { changes: string[]; commands: string[][] } {
  const changes: string[] = [];
  const commands: string[][] = [];
  for (const want of desired) {
    const node = nodes.get(want.name);
    if (!node) {
      // Not registered yet (a dry run before init/join, or the API is down): say what will be set.
      const what = [...Object.entries(want.labels).map(([k, v]) => `${k}=${v}`), ...want.taints.map(taintArg)];
      if (what.length) changes.push(`label/taint node ${want.name} once it is registered: ${what.join(', ')}`);
      continue;
    }
    const n = want.name;
    const setLabels = Object.keys(want.labels)
      .sort()
      .filter((k) => node.labels[k] !== want.labels[k]);
    const wantTaints = new Map(want.taints.map((t) => [taintId(t), t]));
    const setTaints = [...wantTaints.values()].filter((t) => {
      const have = node.taints.find((h) => taintId(h) === taintId(t));
      return !have || (have.value ?? '') !== (t.value ?? '');
    });
    const dropLabels = list(node.annotations[managedLabelsAnnotation]).filter((k) => !(k in want.labels) && k in node.labels);
    const dropTaints = list(node.annotations[managedTaintsAnnotation]).filter((id) => !wantTaints.has(id) && node.taints.some((h) => taintId(h) === id));
    const record = {
      [managedLabelsAnnotation]: Object.keys(want.labels).sort().join(','),
      [managedTaintsAnnotation]: [...wantTaints.keys()].sort().join(','),
    };
    const recordStale = Object.entries(record).some(([k, v]) => (node.annotations[k] ?? '') !== v);

    if (setLabels.length) {
      changes.push(`label node ${n}: ${setLabels.map((k) => `${k}=${want.labels[k]}${k in node.labels ? ` (now ${node.labels[k]})` : ''}`).join(', ')}`);
      commands.push(['label', 'node', n, '--overwrite', ...setLabels.map((k) => `${k}=${want.labels[k]}`)]);
    }
    for (const t of setTaints) {
      changes.push(`taint node ${n}: ${taintArg(t)}`);
      commands.push(['taint', 'node', n, '--overwrite', taintArg(t)]);
    }
    if (dropLabels.length) {
      changes.push(`remove label(s) kinstall set on node ${n} that left the inventory: ${dropLabels.join(', ')}`);
      commands.push(['label', 'node', n, ...dropLabels.map((k) => `${k}-`)]);
    }
    for (const id of dropTaints) {
      changes.push(`remove taint kinstall set on node ${n} that left the inventory: ${id}`);
      commands.push(['taint', 'node', n, `${id}-`]);
    }
    // The record alone never shows as a change of its own when labels/taints changed too.
    if (recordStale) {
      if (!setLabels.length && !setTaints.length && !dropLabels.length && !dropTaints.length) changes.push(`record the labels and taints kinstall manages on node ${n}`);
      commands.push(['annotate', 'node', n, '--overwrite', ...Object.entries(record).map(([k, v]) => `${k}=${v}`)]);
    }
  }
  return { changes, commands };
}

export function renderNodeMetadataProbe(): string {
  return render('steps/node-metadata/probe.sh.hbs', { marker });
}

export function renderNodeMetadataApply(commands: string[][]): string {
  return render('steps/node-metadata/apply.sh.hbs', { commands });
}

export const nodeMetadataStep: Step = {
  id: 'node-metadata',
  title: 'Node labels and taints (hosts[].labels, hosts[].taints)',
  // Always: even an inventory without labels or taints may have dropped ones kinstall set earlier.
  hosts: (ctx) => [firstControlPlane(ctx)],
  async probe(ctx, _host, remote) {
    const res = await remote.exec(renderNodeMetadataProbe(), { sudo: true, label: 'node-metadata: probe' });
    if (res.code !== 0) {
      throw new KinstallError(`node-metadata: probe exited with ${res.code}: ${res.stderr.trim().split('\n').slice(-4).join('\n')}`, {
        exitCode: ExitCode.stepFailed,
        host: remote.name,
        hint: 'see the run log for the kubectl output',
      });
    }
    // API down: every label/taint is listed as pending (a dry run before init); in a real run the
    // apply has nothing to run and the runner's second probe reports the step as not converged.
    const { nodes } = parseNodeMetadataProbe(res.stdout);
    // Every inventory host that did not fail an earlier step of this run (a --hosts run still
    // converges the other nodes' metadata: the step is cluster-wide and cheap); hosts outside
    // --hosts that are not registered are left alone.
    const targets = new Set(ctx.targets.map((h) => h.name));
    const desired = ctx.hosts
      .filter((h) => !ctx.failedHosts?.has(h.name))
      .filter((h) => nodes.has(h.name) || targets.has(h.name))
      .map(desiredNodeMetadata);
    const plan = planNodeMetadata(nodes, desired);
    return { changes: plan.changes, data: plan.commands };
  },
  async apply(_ctx, _host, remote, plan) {
    if ((plan.data as string[][]).length === 0) return;
    await execOrFail(remote, renderNodeMetadataApply(plan.data as string[][]), {
      label: 'node-metadata: apply',
      hint: 'kubectl refused a label or taint: check hosts[].labels / hosts[].taints against Kubernetes\' label and taint syntax',
    });
  },
};
