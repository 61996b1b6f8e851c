import fs from 'node:fs';
import { operatorEndpointOf } from '../inventory/endpoint.js';
import { writePrivateFile } from '../private-file.js';
import { render } from '../render.js';
import { adminConf, execOrFail, firstControlPlane, kv, probeKv, sha256, withPort } from './remote.js';
import type { Step, StepContext } from './types.js';

/**
 * https://<endpoint or first control plane address>:port — reachable by the operator (the
 * node-local balancer's 127.0.0.1 is not: then the first control plane, which is in the SANs).
 */
export function kubeconfigServer(ctx: Pick<StepContext, 'hosts' | 'inventory'>): string {
  const cpe = operatorEndpointOf(ctx.inventory);
  return `https://${withPort(cpe ?? firstControlPlane(ctx).address)}`;
}

/**
 * Replaces every `server:` line of a kubeconfig. Done on text (not re-serialised YAML) so the
 * probe can hash the same result on the host (with awk, the server passed as data).
 */
export function rewriteKubeconfigServer(text: string, server: string): string {
  return text.replace(/^([ \t]*server:[ \t]*).*$/gm, (_m, lead: string) => `${lead}${server}`);
}

export interface KubeconfigActions {
  write: boolean;
  waitFor: string[];
}

/** Pure: local copy drift and nodes not yet Ready → changes. */
export function planKubeconfig(
  state: Map<string, string[]>,
  local: { path: string; sha?: string; mode?: number },
  nodes: string[],
): { changes: string[]; actions: KubeconfigActions } {
  const changes: string[] = [];
  const haveAdmin = kv(state, 'admin_conf') === 'yes';
  const write = !haveAdmin || local.sha !== kv(state, 'rewritten_sha') || local.mode !== 0o600;
  if (write) changes.push(`write ${local.path} (0600) from the first control plane's admin.conf`);
  const ready = new Map<string, string>();
  for (const [key, values] of state) if (key.startsWith('node:')) ready.set(key.slice(5), values[0] ?? '');
  const waitFor: string[] = [];
  for (const n of nodes) {
    const st = ready.get(n);
    if (st === 'True') continue;
    waitFor.push(n);
    changes.push(st === undefined ? `wait for node ${n} to register and become Ready` : `wait for node ${n} to become Ready`);
  }
  return { changes, actions: { write, waitFor } };
}

/**
 * The local copy as the plan sees it. Only a regular file of ours counts: a symlink or a file
 * another user owns is reported as absent, so the apply replaces it (never writes through it).
 */
export function localState(file: string): { path: string; sha?: string; mode?: number } {
  try {
    const st = fs.lstatSync(file);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid)) return { path: file };
    return { path: file, sha: sha256(fs.readFileSync(file)), mode: st.mode & 0o777 };
  } catch {
    return { path: file };
  }
}

function expectedNodes(ctx: StepContext): string[] {
  return ctx.hosts.filter((h) => !ctx.failedHosts?.has(h.name)).map((h) => h.name);
}

/** How long the probe watches registered nodes that are not Ready yet (read-only). */
export const nodeSettleSeconds = 60;

export function renderKubeconfigProbe(server: string, nodes: string[]): string {
  return render('steps/kubeconfig/probe.sh.hbs', { server, nodes, settleSeconds: nodeSettleSeconds });
}

export const kubeconfigStep: Step = {
  id: 'kubeconfig',
  title: 'Kubeconfig for the operator, all nodes Ready',
  hosts: (ctx) => [firstControlPlane(ctx)],
  async probe(ctx, _host, remote) {
    const server = kubeconfigServer(ctx);
    const state = await probeKv(remote, renderKubeconfigProbe(server, expectedNodes(ctx)), 'kubeconfig: probe');
    const { changes, actions } = planKubeconfig(state, localState(ctx.kubeconfigPath), expectedNodes(ctx));
    if (changes.length === 0) ctx.notes.push(`kubeconfig: ${ctx.kubeconfigPath} (kubectl --kubeconfig ${ctx.kubeconfigPath} get nodes)`);
    return { changes, data: actions };
  },
  async apply(ctx, _host, remote, plan) {
    const actions = plan.data as KubeconfigActions;
    if (actions.write) {
      const admin = await remote.download(adminConf);
      if (!admin) throw new Error(`${adminConf} does not exist on the first control plane (did init run?)`);
      writePrivateFile(ctx.kubeconfigPath, rewriteKubeconfigServer(admin.toString('utf8'), kubeconfigServer(ctx)));
    }
    if (actions.waitFor.length > 0) {
      await execOrFail(remote, render('steps/kubeconfig/wait-ready.sh.hbs', { nodes: actions.waitFor, waitSeconds: 300 }), {
        label: 'kubeconfig: wait for nodes Ready',
        timeoutMs: 7 * 60_000,
        hint: 'a node that stays NotReady usually has no working pod network: check the flannel pods (kubectl -n kube-flannel get pods -o wide)',
      });
    }
  },
};
