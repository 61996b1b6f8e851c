import { endpointKind, nodeLocalAddress } from '../inventory/endpoint.js';
import type { Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import { apiServerPort } from '../kube/kubeadm.js';
import { render } from '../render.js';
import { execOrFail, kinstallDir, kv, probeKv, sha256 } from './remote.js';
import type { Step, StepContext } from './types.js';

/**
 * The node-local API balancer (kubernetes.apiEndpoint.nodeLocal): the distribution's haproxy on
 * EVERY node, control planes included, listening on 127.0.0.1:<port> and balancing TCP to each
 * control plane's API server (health-checked on /readyz). kubeadm's controlPlaneEndpoint is
 * 127.0.0.1:<port>, so kubelet.conf, kube-proxy's kubeconfig and admin.conf all go through it and
 * reach any live control plane; nothing depends on a layer-2 network or an external machine. The
 * same design as kubespray's localhost nginx/haproxy and k0s's node-local load balancing; unlike
 * kubespray, control planes use it too, which is why the port is not 6443 (the API server holds
 * 6443 on every address of a control plane): k0s's 7443 by default.
 *
 * Runs before kubeadm init/join: the endpoint must answer before kubeadm uses it. A control plane
 * added or removed in the inventory changes only the backend list, so the next `up` re-renders the
 * file on every node and RELOADS haproxy (open connections are kept).
 */

export const haproxyConfigPath = '/etc/haproxy/haproxy.cfg';
/** Uploaded here, checked with `haproxy -c`, and only then installed over the live file. */
export const haproxyStagedPath = `${kinstallDir}/haproxy.cfg.new`;
const listenWaitSeconds = 30;

export function nodeLocalPort(inventory: Pick<Inventory, 'kubernetes'>): number | undefined {
  return inventory.kubernetes.apiEndpoint?.nodeLocal?.port;
}

/** The balancer's configuration: the same on every node (backends in inventory order). */
export function renderHaproxyConfig(ctx: Pick<StepContext, 'inventory' | 'hosts'>): string {
  const port = nodeLocalPort(ctx.inventory);
  if (port === undefined) throw new Error('the inventory has no kubernetes.apiEndpoint.nodeLocal');
  return render('endpoint/haproxy.cfg.hbs', {
    cluster: ctx.inventory.metadata.name,
    listenAddress: nodeLocalAddress,
    listenPort: port,
    servers: ctx.hosts.filter((h) => h.isControlPlane).map((h) => ({ name: h.name, address: h.internalAddress, port: apiServerPort })),
  });
}

export interface BalancerActions {
  install: boolean;
  writeConfig: boolean;
  enable: boolean;
  reloadOrStart: boolean;
  pkg: 'apt' | 'dnf';
}

/** Pure: what the probe found against the wanted config → changes. */
export function planBalancer(state: Map<string, string[]>, desiredSha: string): { changes: string[]; actions: BalancerActions } {
  const changes: string[] = [];
  const install = kv(state, 'haproxy') !== 'yes';
  const pkg = kv(state, 'pkg') === 'apt' ? 'apt' : 'dnf';
  if (install) changes.push(`install haproxy (${pkg})`);
  const writeConfig = kv(state, 'config_sha') !== desiredSha;
  if (writeConfig) changes.push(`write ${haproxyConfigPath} (checked with haproxy -c first)`);
  const enable = kv(state, 'enabled') !== 'enabled';
  if (enable) changes.push('enable haproxy');
  // `reloading` right after a reload (ours, or a package's) is a running haproxy too.
  const running = ['active', 'reloading'].includes(kv(state, 'active'));
  const reloadOrStart = writeConfig || !running;
  if (reloadOrStart) changes.push(running || install ? 'reload haproxy' : 'start haproxy');
  return { changes, actions: { install, writeConfig, enable, reloadOrStart, pkg } };
}

export function renderBalancerProbe(inventory: Pick<Inventory, 'kubernetes'>): string {
  return render('endpoint/probe.sh.hbs', { config: haproxyConfigPath, listenPort: nodeLocalPort(inventory) });
}

export function renderBalancerApply(inventory: Pick<Inventory, 'kubernetes'>, a: BalancerActions): string {
  return render('endpoint/apply.sh.hbs', {
    ...a,
    config: haproxyConfigPath,
    staged: haproxyStagedPath,
    listenAddress: nodeLocalAddress,
    listenPort: nodeLocalPort(inventory),
    waitSeconds: listenWaitSeconds,
  });
}

function balancerHosts(ctx: StepContext): ResolvedHost[] {
  return endpointKind(ctx.inventory) === 'node-local' ? ctx.targets : [];
}

export const balancerStep: Step = {
  id: 'endpoint-balancer',
  title: 'Node-local API balancer (haproxy on 127.0.0.1 on every node)',
  hosts: balancerHosts,
  async probe(ctx, _host, remote) {
    const state = await probeKv(remote, renderBalancerProbe(ctx.inventory), 'endpoint-balancer: probe');
    const { changes, actions } = planBalancer(state, sha256(renderHaproxyConfig(ctx)));
    return { changes, data: actions };
  },
  async apply(ctx, _host, remote, plan) {
    const actions = plan.data as BalancerActions;
    if (actions.writeConfig) await remote.upload(haproxyStagedPath, renderHaproxyConfig(ctx), { mode: 0o644 });
    await execOrFail(remote, renderBalancerApply(ctx.inventory, actions), {
      label: 'endpoint-balancer: apply',
      timeoutMs: 15 * 60_000,
      hint: 'haproxy must be installable from the host\'s package sources and its port free (kinstall preflight checks both); see journalctl -u haproxy',
    });
  },
};
