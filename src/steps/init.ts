import { renderKubeadmInitConfig } from '../kube/index.js';
import { render } from '../render.js';
import { execOrFail, firstControlPlane, kinstallDir, kv, probeKv } from './remote.js';
import { newBootstrapToken, newCertificateKey } from './secrets.js';
import type { Step } from './types.js';

export const initConfigPath = `${kinstallDir}/kubeadm-init.yaml`;

export interface InitActions {
  init: boolean;
  resetFirst: boolean;
}

/** Written by the init apply once kubeadm init returned 0: "this host finished its init". */
export const initDoneMarker = `${kinstallDir}/init-done`;

/**
 * Pure. An init is complete when kinstall's marker is there, or (a cluster kinstall did not make,
 * or a run cut just before the marker) the API answers and serves cluster-info, which kubeadm
 * creates in one of its last phases. Anything kubeadm left short of that is a half-finished init
 * (no node can have joined yet: joins come after this step) and is cleared and redone.
 */
export function planInit(state: Map<string, string[]>): { changes: string[]; actions: InitActions } {
  const adminConf = kv(state, 'admin_conf') === 'yes';
  const apiUp = kv(state, 'api') === 'ok';
  const complete = kv(state, 'init_done') === 'yes' || (adminConf && apiUp && kv(state, 'cluster_info') === 'yes');
  const leftovers = adminConf || kv(state, 'apiserver_manifest') === 'yes';
  const changes: string[] = [];
  let init = false;
  let resetFirst = false;
  if (!complete) {
    init = true;
    if (leftovers) {
      resetFirst = true;
      changes.push('clear a half-finished kubeadm init (kubeadm reset -f)');
    }
    changes.push(`upload the kubeadm config to ${initConfigPath} (0600, removed when init ends)`, 'pull the control-plane images', 'kubeadm init --upload-certs');
  } else if (!apiUp) {
    changes.push('wait for the API server (kubeadm init completed but /readyz does not answer)');
  }
  if (init || kv(state, 'root_kubeconfig_sha') !== kv(state, 'admin_conf_sha')) changes.push('copy admin.conf to /root/.kube/config');
  return { changes, actions: { init, resetFirst } };
}

export function renderInitApply(a: InitActions, waitSeconds = 180): string {
  return render('steps/init/apply.sh.hbs', { config: initConfigPath, init: a.init, resetFirst: a.resetFirst, waitSeconds, marker: initDoneMarker });
}

export function renderInitProbe(): string {
  return render('steps/init/probe.sh.hbs', { marker: initDoneMarker });
}

export const initStep: Step = {
  id: 'init',
  title: 'Bootstrap the first control plane (kubeadm init)',
  critical: true,
  hosts: (ctx) => [firstControlPlane(ctx)],
  async probe(_ctx, _host, remote) {
    const state = await probeKv(remote, renderInitProbe(), 'init: probe');
    const { changes, actions } = planInit(state);
    return { changes, data: actions };
  },
  async apply(ctx, host, remote, plan) {
    const actions = plan.data as InitActions;
    const secrets: string[] = [];
    if (actions.init) {
      // kubeadm init prints the join command with the token and certificate key: both are ours
      // and registered first, so the log shows <redacted> instead.
      const bootstrapToken = newBootstrapToken();
      const certificateKey = newCertificateKey();
      ctx.log.addSecret(bootstrapToken);
      ctx.log.addSecret(certificateKey);
      secrets.push(bootstrapToken, certificateKey);
      const config = renderKubeadmInitConfig({ inventory: ctx.inventory, host, bootstrapToken, bootstrapTokenTtl: '15m', certificateKey });
      await remote.upload(initConfigPath, config, { mode: 0o600, secret: true });
    }
    await execOrFail(remote, renderInitApply(actions), {
      label: 'init: apply',
      secrets,
      timeoutMs: 20 * 60_000,
      hint: 'see the run log for kubeadm\'s output; after fixing the cause, kinstall up resumes (a half-finished init is cleared first)',
    });
  },
};
