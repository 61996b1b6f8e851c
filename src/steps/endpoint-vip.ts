import { ExitCode, KinstallError } from '../errors.js';
import type { Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import { apiServerPort } from '../kube/kubeadm.js';
import { render } from '../render.js';
import { parseKubernetesVersion } from '../versions/index.js';
import { firstControlPlane, kv, probeKv, sha256 } from './remote.js';
import type { Step, StepContext } from './types.js';

/**
 * The kube-vip virtual IP (kubernetes.apiEndpoint.kubeVip): a static pod on every control plane,
 * ARP mode with leader election, so one control plane at a time holds the VIP and answers ARP for
 * it (kube-vip.io/docs/installation/static). Needs a layer-2 segment that lets an address move
 * between machines (not most clouds: use nodeLocal there).
 *
 * Two moments, because of kubeadm:
 * - before `kubeadm init`, on the first control plane only: kubeadm reaches the API through the
 *   VIP during init, so kube-vip must be running already. From kubeadm 1.29 admin.conf has no
 *   rights until init itself binds its group (kubeadm:cluster-admins), so this first manifest
 *   mounts super-admin.conf (kube-vip issue 684, kubeadm 1.29 release notes).
 * - after the control-plane joins, on every control plane: the manifest with admin.conf. On the
 *   first one this replaces the super-admin.conf bootstrap (kinstall does not leave the break-glass
 *   credential in use); on the others it is written AFTER `kubeadm join`, whose preflight
 *   requires an empty /etc/kubernetes/manifests (cmd/kubeadm/app/preflight/checks.go
 *   RunJoinNodeChecks, DirAvailable--etc-kubernetes-manifests); joining needs only the VIP the
 *   first control plane already holds.
 */

export const kubeVipManifestPath = '/etc/kubernetes/manifests/kube-vip.yaml';
const superAdminConf = '/etc/kubernetes/super-admin.conf';
const adminConfPath = '/etc/kubernetes/admin.conf';

/** kubeadm creates super-admin.conf (and leaves admin.conf without rights during init) from 1.29. */
export function usesSuperAdminDuringInit(inventory: Pick<Inventory, 'kubernetes'>): boolean {
  const v = parseKubernetesVersion(inventory.kubernetes.version);
  return v !== null && (v.major > 1 || v.minor >= 29);
}

/** The kube-vip static pod; `bootstrap` = the first control plane's manifest for kubeadm init. */
export function renderKubeVipManifest(inventory: Inventory, bootstrap: boolean): string {
  const vip = inventory.kubernetes.apiEndpoint?.kubeVip;
  if (!vip) throw new Error('the inventory has no kubernetes.apiEndpoint.kubeVip');
  const superAdmin = bootstrap && usesSuperAdminDuringInit(inventory);
  return render('endpoint/kube-vip.yaml.hbs', {
    cluster: inventory.metadata.name,
    address: vip.address,
    interface: vip.interface,
    image: vip.image,
    // A string: env values are strings in the Pod schema.
    apiServerPort: String(apiServerPort),
    superAdmin,
    kubeconfig: superAdmin ? superAdminConf : adminConfPath,
  });
}

export function renderKubeVipProbe(): string {
  return render('endpoint/vip-probe.sh.hbs', { manifest: kubeVipManifestPath });
}

/**
 * Pure. Before init: only while the first control plane has no cluster (no admin.conf); after
 * that the post-join step owns the manifest. After joins: a control plane that is part of the
 * cluster (kubelet.conf) gets the final manifest; one not joined yet is planned too (a dry run
 * shows it), for the join step of the same run comes first; the apply refuses to write on a host
 * that is still not joined (the manifest would make the next join's preflight fail).
 */
export function planKubeVip(state: Map<string, string[]>, desiredSha: string, moment: 'before-init' | 'after-join'): string[] {
  if (kv(state, 'manifest_sha') === desiredSha) return [];
  if (moment === 'before-init') {
    return kv(state, 'admin_conf') === 'yes' ? [] : [`write ${kubeVipManifestPath} (before kubeadm init: the VIP must answer during init)`];
  }
  return [`write ${kubeVipManifestPath} (kube-vip with admin.conf${kv(state, 'kubelet_conf') === 'yes' ? '' : ', once kubeadm join has run'})`];
}

function isKubeVip(ctx: StepContext): boolean {
  return ctx.inventory.kubernetes.apiEndpoint?.kubeVip !== undefined;
}

function vipStep(id: string, title: string, moment: 'before-init' | 'after-join', hosts: (ctx: StepContext) => ResolvedHost[]): Step {
  const manifest = (ctx: StepContext) => renderKubeVipManifest(ctx.inventory, moment === 'before-init');
  return {
    id,
    title,
    hosts: (ctx) => (isKubeVip(ctx) ? hosts(ctx) : []),
    async probe(ctx, _host, remote) {
      const state = await probeKv(remote, renderKubeVipProbe(), `${id}: probe`);
      return { changes: planKubeVip(state, sha256(manifest(ctx)), moment) };
    },
    async apply(ctx, host, remote) {
      if (moment === 'after-join') {
        const state = await probeKv(remote, renderKubeVipProbe(), `${id}: probe`);
        if (kv(state, 'kubelet_conf') !== 'yes') {
          throw new KinstallError(`${host.name} has not joined the cluster (no /etc/kubernetes/kubelet.conf): kube-vip is written only after kubeadm join`, {
            exitCode: ExitCode.stepFailed,
            host: host.name,
            hint: 'see why the control-plane join failed (earlier in this run or its log), fix it, then re-run kinstall up',
          });
        }
      }
      // The kubelet watches the directory and (re)starts the static pod from the new file.
      await remote.upload(kubeVipManifestPath, manifest(ctx), { mode: 0o600 });
    },
  };
}

export const kubeVipBootstrapStep = vipStep('endpoint-vip-init', 'kube-vip on the first control plane (before kubeadm init)', 'before-init', (ctx) => {
  const first = firstControlPlane(ctx);
  return ctx.targets.some((h) => h.name === first.name) ? [first] : [];
});

export const kubeVipStep = vipStep('endpoint-vip', 'kube-vip on every control plane', 'after-join', (ctx) => ctx.targets.filter((h) => h.isControlPlane));
