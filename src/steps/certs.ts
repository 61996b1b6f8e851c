import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { daysLeft, dueForRenewal, parseExpirationTable, RENEW_WITHIN_DAYS } from '../preflight/certs.js';
import { render } from '../render.js';
import { kubeconfigStep } from './kubeconfig.js';
import { execOrFail, firstControlPlane, kinstallDir, kv, probeKv, withPort } from './remote.js';
import type { Step, StepContext, StepPlan } from './types.js';

/**
 * `kinstall certs renew`: on each control plane, one at a time, `kubeadm certs renew all` and a
 * restart of its static pods; then the operator's kubeconfig is refreshed from the first control
 * plane's renewed admin.conf.
 */

/** Where the renew script parks the static pod manifests while the kubelet stops the pods. */
export const manifestsAside = `${kinstallDir}/manifests-aside`;
/** Seconds the kubelet gets to stop the pods, and the API server to answer /readyz again. */
export const stopSeconds = 120;
export const readySeconds = 300;

export interface CertsRenewActions {
  renew: boolean;
  restart: boolean;
}

/** This host's own API server (never the controlPlaneEndpoint, which may reach another one). */
function localApiServer(host: ResolvedHost): string {
  // kubeadm binds the API server on apiServerPort (6443) of the advertise address, which the
  // serving certificate names, so TLS verification with the cluster CA works.
  return withPort(host.internalAddress);
}

export function renderCertsProbe(host: ResolvedHost): string {
  return render('steps/certs/probe.sh.hbs', { apiserver: localApiServer(host), aside: manifestsAside });
}

export function renderCertsRenew(host: ResolvedHost, renew: boolean): string {
  return render('steps/certs/renew.sh.hbs', { renew, aside: manifestsAside, readyz: `https://${localApiServer(host)}/readyz`, stopSeconds, readySeconds });
}

/** Pure: what the probe found → what to change. `force` renews whatever the expiry (once per run). */
export function planCertsRenew(state: Map<string, string[]>, host: string, force: boolean): { changes: string[]; actions: CertsRenewActions } {
  if (kv(state, 'admin_conf') !== 'yes') {
    throw new KinstallError('no cluster on this control plane (/etc/kubernetes/admin.conf is absent): nothing to renew', {
      exitCode: ExitCode.stepFailed, host, hint: 'kinstall up INVENTORY builds or joins it first',
    });
  }
  if (kv(state, 'kubeadm') === 'no') throw new KinstallError('kubeadm is not installed on this control plane', { exitCode: ExitCode.stepFailed, host, hint: 'kinstall up INVENTORY installs it' });
  const output = Buffer.from(kv(state, 'check.b64'), 'base64').toString('utf8');
  if (kv(state, 'check_rc') !== '0') {
    throw new KinstallError(`kubeadm certs check-expiration exited with ${kv(state, 'check_rc')}: ${output.trim().split('\n').slice(-3).join(' ')}`, {
      exitCode: ExitCode.stepFailed, host, hint: 'run kubeadm certs check-expiration on the host to see why',
    });
  }
  const now = Number(kv(state, 'now')) * 1000 || Date.now();
  const table = parseExpirationTable(output);
  const due = force ? table.certs.filter((c) => c.expires && !c.externallyManaged) : dueForRenewal(table, now);
  const changes: string[] = [];
  const renew = due.length > 0;
  if (renew) {
    const what = force ? `--force: all ${due.length}, the first expiring in ${Math.min(...due.map((c) => daysLeft(c, now)))} day(s)` : due.map((c) => `${c.name} ${daysLeft(c, now)} day(s) left`).join(', ');
    changes.push(`kubeadm certs renew all (${what})`);
  }
  const aside = state.get('aside') ?? [];
  const file = kv(state, 'file_cert');
  const served = kv(state, 'served_cert');
  const stale = file !== '' && served !== '' && file !== served;
  const restart = renew || stale || aside.length > 0;
  if (restart) {
    const why = renew ? 'to load the renewed certificates' : aside.length ? `an earlier restart left ${aside.join(', ')} in ${manifestsAside}` : 'the API server still serves its old certificate';
    changes.push(`restart the control-plane static pods (${why}): manifests aside, wait for the kubelet to stop them, back, wait for /readyz`);
  }
  return { changes, actions: { renew, restart } };
}

const renewedKey = (host: string) => `certs-renewed:${host}`;
export interface CertsRenewOptions { force: boolean }

export function certsRenewStep(opts: CertsRenewOptions): Step {
  return {
    id: 'certs-renew',
    title: `Renew control-plane certificates (those under ${RENEW_WITHIN_DAYS} days${opts.force ? '; --force: all' : ''})`,
    hosts: (ctx) => ctx.targets.filter((h) => h.isControlPlane),
    // One control plane at a time: the others keep serving while one restarts.
    serial: true,
    async probe(ctx, host, remote) {
      const state = await probeKv(remote, renderCertsProbe(host), 'certs: probe');
      const force = opts.force && !ctx.memo.has(renewedKey(host.name));
      const { changes, actions } = planCertsRenew(state, host.name, force);
      if (actions.renew && host.name === firstControlPlane(ctx).name) ctx.memo.set('certs-admin-renewal-planned', Promise.resolve(true));
      return { changes, data: actions };
    },
    async apply(ctx, host, remote, plan: StepPlan) {
      const actions = plan.data as CertsRenewActions;
      await execOrFail(remote, renderCertsRenew(host, actions.renew), {
        label: 'certs: renew and restart the control-plane pods',
        timeoutMs: (stopSeconds + readySeconds + 120) * 1000,
        hint: `see the run log; the manifests are in /etc/kubernetes/manifests or ${manifestsAside} (a re-run of kinstall certs renew moves them back)`,
      });
      if (actions.renew) ctx.memo.set(renewedKey(host.name), Promise.resolve(true));
    },
  };
}

/**
 * The operator's kubeconfig, as `up` writes it, from the first control plane's admin.conf. In a
 * dry run the renewal has not happened yet, so the plan says the copy will follow it.
 */
export const certsKubeconfigStep: Step = {
  ...kubeconfigStep,
  id: 'certs-kubeconfig',
  title: 'Refresh the operator kubeconfig from the renewed admin.conf',
  async probe(ctx: StepContext, host, remote) {
    const plan = await kubeconfigStep.probe(ctx, host, remote);
    if (ctx.memo.has('certs-admin-renewal-planned') && !ctx.memo.has(renewedKey(host.name))) {
      const write = `write ${ctx.kubeconfigPath} `;
      return { ...plan, changes: [`${write}(0600) from the first control plane's admin.conf once it is renewed`, ...plan.changes.filter((c) => !c.startsWith(write))] };
    }
    return plan;
  },
};
