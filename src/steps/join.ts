import type { ResolvedHost } from '../inventory/types.js';
import { renderKubeadmInitConfig, renderKubeadmJoinConfig } from '../kube/index.js';
import { render } from '../render.js';
import { caCertHash, clusterCaCertPath, renderBootstrapTokenSecret, splitBootstrapToken } from './join-command.js';
import { apiServerEndpoint, execOrFail, firstControlPlane, kinstallDir, kv, probeKv, remoteFor } from './remote.js';
import { newBootstrapToken, newCertificateKey } from './secrets.js';
import type { Step, StepContext, StepPlan } from './types.js';

export const joinConfigPath = `${kinstallDir}/kubeadm-join.yaml`;
export const uploadCertsConfigPath = `${kinstallDir}/kubeadm-upload-certs.yaml`;
/** Long enough for a few serial control-plane joins; short enough to be worthless afterwards. */
export const joinTokenTtlMs = 15 * 60_000;

export interface JoinActions {
  resetFirst: boolean;
}

/**
 * Pure: a host with kubelet.conf whose node the API lists is a member and is skipped. Files left
 * by a join that never registered are cleared before joining again (no duplicate join).
 */
export function planJoin(local: Map<string, string[]>, listed: string, role: 'control plane' | 'worker'): { changes: string[]; actions: JoinActions } {
  const kubeletConf = kv(local, 'kubelet_conf') === 'yes';
  if (kubeletConf && listed === 'yes') return { changes: [], actions: { resetFirst: false } };
  const leftovers = kubeletConf || kv(local, 'pki_ca_crt') === 'yes' || kv(local, 'manifests_kube_apiserver_yaml') === 'yes';
  const changes: string[] = [];
  if (leftovers) changes.push('clear the files of an unfinished join (kubeadm reset -f)');
  changes.push(`join the cluster as a ${role} (kubeadm join --config ${joinConfigPath}, 0600)`);
  return { changes, actions: { resetFirst: leftovers } };
}

interface JoinCredentials {
  token: string;
  caCertHash: string;
}

function memo<T>(ctx: StepContext, key: string, make: () => Promise<T>): Promise<T> {
  let p = ctx.memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    ctx.memo.set(key, p);
  }
  return p;
}

export function renderTokenScript(tokenId: string, waitSeconds = 60): string {
  return render('steps/join/token.sh.hbs', { tokenId, waitSeconds });
}

/**
 * One fresh token per run, stored on the first control plane as a bootstrap-token Secret sent on
 * stdin (`kubeadm token create` would take it in argv); registered as a secret before any use.
 * The CA hash is computed here from the public CA certificate.
 */
function joinCredentials(ctx: StepContext, now: () => Date = () => new Date()): Promise<JoinCredentials> {
  return memo(ctx, 'join-credentials', async () => {
    const remote = remoteFor(ctx, firstControlPlane(ctx));
    const caPem = await remote.download(clusterCaCertPath);
    if (!caPem) throw new Error(`${clusterCaCertPath} is missing on the first control plane: kubeadm init did not finish`);
    const hash = caCertHash(caPem.toString('utf8'));
    const token = newBootstrapToken();
    ctx.log.addSecret(token);
    const manifest = renderBootstrapTokenSecret(token, new Date(now().getTime() + joinTokenTtlMs));
    await execOrFail(remote, renderTokenScript(splitBootstrapToken(token).id), {
      label: 'join: create token',
      stdin: manifest,
      secrets: [token],
      timeoutMs: 3 * 60_000,
    });
    return { token, caCertHash: hash };
  });
}

/** A fresh certificate key for control-plane joins: in a 0600 config file, never in argv. */
function certificateKey(ctx: StepContext): Promise<string> {
  return memo(ctx, 'join-certificate-key', async () => {
    const cp = firstControlPlane(ctx);
    const remote = remoteFor(ctx, cp);
    const key = newCertificateKey();
    ctx.log.addSecret(key);
    await remote.upload(uploadCertsConfigPath, renderKubeadmInitConfig({ inventory: ctx.inventory, host: cp, certificateKey: key }), { mode: 0o600, secret: true });
    await execOrFail(remote, render('steps/join/upload-certs.sh.hbs', { config: uploadCertsConfigPath }), { label: 'join: upload-certs', secrets: [key] });
    return key;
  });
}

async function probeJoin(ctx: StepContext, host: ResolvedHost, remote: Parameters<Step['probe']>[2], role: 'control plane' | 'worker'): Promise<StepPlan> {
  const local = await probeKv(remote, render('steps/join/probe.sh.hbs', {}), 'join: probe');
  const cpRemote = ctx.remotes.get(firstControlPlane(ctx).name);
  const listed = cpRemote ? kv(await probeKv(cpRemote, render('steps/join/registered.sh.hbs', { node: host.name }), `join: is ${host.name} a node`), 'node_listed', 'unknown') : 'unknown';
  const { changes, actions } = planJoin(local, listed, role);
  return { changes, data: actions };
}

async function applyJoin(ctx: StepContext, host: ResolvedHost, remote: Parameters<Step['apply']>[2], plan: StepPlan): Promise<void> {
  const actions = plan.data as JoinActions;
  const creds = await joinCredentials(ctx);
  const certKey = host.isControlPlane ? await certificateKey(ctx) : undefined;
  const config = renderKubeadmJoinConfig({
    inventory: ctx.inventory,
    host,
    apiServerEndpoint: apiServerEndpoint(ctx),
    token: creds.token,
    caCertHash: creds.caCertHash,
    certificateKey: certKey,
  });
  const secrets = [creds.token, ...(certKey ? [certKey] : [])];
  await remote.upload(joinConfigPath, config, { mode: 0o600, secret: true });
  await execOrFail(remote, render('steps/join/apply.sh.hbs', { config: joinConfigPath, controlPlane: host.isControlPlane, resetFirst: actions.resetFirst }), {
    label: 'join: apply',
    secrets,
    timeoutMs: 15 * 60_000,
    hint: 'see kubeadm\'s output in the run log; kinstall up clears a half-finished join and retries',
  });
  const cp = firstControlPlane(ctx);
  await execOrFail(remoteFor(ctx, cp), render('steps/join/wait-registered.sh.hbs', { node: host.name, waitSeconds: 120 }), { label: `join: wait for node ${host.name}` });
}

/** Extra control planes, one at a time: each join changes etcd membership. */
export const joinControlPlanesStep: Step = {
  id: 'join-control-planes',
  title: 'Join the other control planes (one at a time)',
  serial: true,
  hosts: (ctx) => {
    const first = firstControlPlane(ctx);
    return ctx.targets.filter((h) => h.isControlPlane && h.name !== first.name);
  },
  probe: (ctx, host, remote) => probeJoin(ctx, host, remote, 'control plane'),
  apply: applyJoin,
};

export const joinWorkersStep: Step = {
  id: 'join-workers',
  title: 'Join the workers',
  hosts: (ctx) => ctx.targets.filter((h) => h.isWorker && !h.isControlPlane),
  probe: (ctx, host, remote) => probeJoin(ctx, host, remote, 'worker'),
  apply: applyJoin,
};
