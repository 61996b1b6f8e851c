import { render } from '../render.js';
import { execOrFail, firstControlPlane, kinstallDir, kv, probeKv, sha256 } from './remote.js';
import type { Step, StepContext } from './types.js';

export interface Workload {
  kind: 'daemonset' | 'deployment';
  name: string;
  namespace: string;
}

export interface AddonSpec {
  id: string;
  title: string;
  /** Name of the manifest file under /etc/kubernetes/kinstall/ (kept to compare next time). */
  file: string;
  enabled(ctx: StepContext): boolean;
  manifest(ctx: StepContext): string;
  workloads: Workload[];
  /** Printed after the run once the add-on is in place. */
  notes?(ctx: StepContext): string[];
}

// "desired ready" in one line, for the plan to compare.
const readyPath: Record<Workload['kind'], string> = {
  daemonset: '{.status.desiredNumberScheduled} {.status.numberReady}',
  deployment: '{.spec.replicas} {.status.readyReplicas}',
};

export interface AddonActions {
  upload: boolean;
}

/** Pure: manifest drift or a missing object → apply; a workload short of ready replicas → wait. */
export function planAddon(state: Map<string, string[]>, desiredSha: string, workloads: Workload[], name: string): { changes: string[]; actions: AddonActions } {
  const changes: string[] = [];
  const upload = kv(state, 'manifest_sha') !== desiredSha;
  const apiUp = kv(state, 'api') === 'ok';
  const missing = workloads.filter((w) => !apiUp || kv(state, `workload:${w.kind}/${w.name}`, 'absent') === 'absent');
  if (upload || missing.length > 0) changes.push(`kubectl apply the ${name} manifest`);
  for (const w of workloads) {
    const v = kv(state, `workload:${w.kind}/${w.name}`, 'absent');
    if (!apiUp || v === 'absent') {
      changes.push(`wait for ${w.kind} ${w.namespace}/${w.name} to be ready`);
      continue;
    }
    const [desired = '', ready = ''] = v.split(' ');
    const want = Number(desired) || 0;
    const have = Number(ready) || 0;
    // Every add-on here runs at least one pod: 0 desired means nothing is scheduled yet, not done.
    if (want === 0 || have < want) changes.push(`wait for ${w.kind} ${w.namespace}/${w.name} to be ready (${have}/${want})`);
  }
  return { changes, actions: { upload: upload || missing.length > 0 } };
}

/** How long a probe watches an applied add-on whose pods are still starting (read-only). */
export const addonSettleSeconds = 60;

export function renderAddonProbe(spec: AddonSpec): string {
  return render('steps/addon/probe.sh.hbs', {
    settleSeconds: addonSettleSeconds,
    name: spec.id,
    manifest: `${kinstallDir}/${spec.file}`,
    workloads: spec.workloads.map((w) => ({ ...w, jsonpath: readyPath[w.kind] })),
  });
}

export function renderAddonApply(spec: AddonSpec, timeout = '300s'): string {
  return render('steps/addon/apply.sh.hbs', { name: spec.id, manifest: `${kinstallDir}/${spec.file}`, workloads: spec.workloads, timeout });
}

/** A manifest applied with kubectl on the first control plane, then waited for. */
export function addonStep(spec: AddonSpec): Step {
  return {
    id: spec.id,
    title: spec.title,
    hosts: (ctx) => (spec.enabled(ctx) ? [firstControlPlane(ctx)] : []),
    async probe(ctx, _host, remote) {
      const state = await probeKv(remote, renderAddonProbe(spec), `${spec.id}: probe`);
      const { changes, actions } = planAddon(state, sha256(spec.manifest(ctx)), spec.workloads, spec.id);
      if (changes.length === 0 && spec.notes) ctx.notes.push(...spec.notes(ctx));
      return { changes, data: actions };
    },
    async apply(ctx, _host, remote) {
      await remote.upload(`${kinstallDir}/${spec.file}`, spec.manifest(ctx), { mode: 0o644 });
      await execOrFail(remote, renderAddonApply(spec), { label: `${spec.id}: apply`, timeoutMs: 10 * 60_000 });
    },
  };
}
