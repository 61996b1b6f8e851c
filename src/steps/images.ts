import { ExitCode, KinstallError } from '../errors.js';
import type { Inventory } from '../inventory/schema.js';
import { criSocket, kubeadmImages, kubernetesVersionTag, renderKubeadmInitConfig, upstreamServer } from '../kube/index.js';
import { render } from '../render.js';
import { addonImages } from '../versions/addons.js';
import { imageTagsKnownExactly } from '../versions/kubernetes.js';
import { firstControlPlane, kv, parseKv } from './remote.js';
import type { Step, StepContext } from './types.js';

/**
 * Images the mirror must hold (issue 11 item 11): after the packages are installed and before
 * `kubeadm init`, the installed kubeadm's own `kubeadm config images list --config` (its etcd tag
 * moves between patches, so no table of ours can stand in for it) plus the add-ons' images are
 * pulled through containerd, with containerd's registry configuration, on the first control plane.
 * Every missing image is reported at once, with where it was looked for.
 *
 * Upgrades (issue 13): here the installed kubeadm is still the OLD one (the upgrade steps install
 * the new one host by host), and an old kubeadm asked for a newer minor lists its own nearest etcd
 * (cmd/kubeadm/app/constants/constants.go EtcdSupportedVersion: "falling back to the nearest etcd
 * version", logged at --v=1 only), a list that is wrong for the target. So when the installed
 * kubeadm is not the target's, the scripts check upgradeCheckImages (kinstall's table for the
 * target) instead, before anything changes; the new kubeadm's exact list is then pulled on each
 * control plane before its `kubeadm upgrade apply/node` (src/upgrade/steps.ts), which stops the
 * upgrade there, cluster unchanged, when the mirror lacks one.
 */

export const pullTimeout = '300s';

export interface ImagesPlan {
  changes: string[];
  missing: string[];
}

/** Pure: probe output → the images still to pull ("would change" lines). */
export function planImages(state: Map<string, string[]>): ImagesPlan {
  if (kv(state, 'kubeadm') !== 'present') {
    return { changes: ['pull the images kubeadm config images list names, and the add-ons\' images, through containerd (kubeadm is not installed yet)'], missing: [] };
  }
  const listError = kv(state, 'list_error');
  if (listError) return { changes: [`list the images with kubeadm config images list (it failed: ${listError.trim()})`], missing: [] };
  const missing = [...state.entries()].filter(([k, v]) => k.startsWith('image:') && v[0] === 'absent').map(([k]) => k.slice('image:'.length));
  // Present only when the installed kubeadm is not the target's (an upgrade): the list was ours.
  const installed = state.has('kubeadm_version') ? kv(state, 'kubeadm_version') || 'unknown' : null;
  const source = installed ? ` (kinstall's table of the target's images: the installed kubeadm is ${installed}, whose own list is not the target's)` : '';
  return { changes: missing.length ? [`pull ${missing.length} image(s) through containerd, checking the mirror holds them${source}: ${missing.join(' ')}`] : [], missing };
}

/**
 * The target's images checked before an upgrade changes anything, from kinstall's table
 * (kubeadmImages): the control-plane images and kube-proxy always (their tag is the target), and
 * pause/etcd/CoreDNS only when the table has this very patch's tags (imageTagsKnownExactly); past
 * the transcribed patches kubeadm may have bumped etcd, and a mirror seeded with that kubeadm's
 * exact list must not fail on our guess. The new kubeadm's own pull checks those before the upgrade.
 */
export function upgradeCheckImages(inventory: Inventory): string[] {
  const all = kubeadmImages(inventory);
  if (imageTagsKnownExactly(inventory.kubernetes.version)) return all;
  const tag = kubernetesVersionTag(inventory.kubernetes.version);
  return all.filter((i) => i.endsWith(`:${tag}`));
}

/** The registry host of an image reference, as containerd resolves it (docker.io when none). */
export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  const hasHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? first : 'docker.io';
}

/** Where containerd looks for an image: the configured mirrors in order, then the registry itself. */
export function imageSources(inventory: Inventory, image: string): string[] {
  const registry = registryOf(image);
  // containerd reads certs.d/<registry>/hosts.toml, else certs.d/_default/hosts.toml.
  const mirrors = inventory.containerd.registryMirrors[registry] ?? inventory.containerd.registryMirrors._default ?? [];
  return [...mirrors, upstreamServer(registry) ?? `https://${registry}`].filter((v, i, a) => a.indexOf(v) === i);
}

/**
 * Pure: the pull script's output (after a failure) → one error naming every missing image and its
 * sources. `neededBy` says who needs them (kubeadm init and the add-ons, or an upgrade).
 */
export function missingImagesError(inventory: Inventory, host: string, stdout: string, stderr: string, code: number, neededBy = 'kubeadm init or the add-ons'): KinstallError {
  const missing = parseKv(stdout).get('missing') ?? [];
  if (missing.length === 0) {
    return new KinstallError(`images: the image check exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`, {
      exitCode: ExitCode.stepFailed,
      host,
      hint: 'see the run log for the output of kubeadm config images list and the pulls',
    });
  }
  const lines = missing.map((m) => {
    const [image = '', ...why] = m.split(' ');
    return `  ${image} — looked for at ${imageSources(inventory, image).join(', ')}${why.length ? ` (${why.join(' ').trim()})` : ''}`;
  });
  return new KinstallError(`images: ${missing.length} image(s) ${neededBy} need cannot be pulled:\n${lines.join('\n')}`, {
    exitCode: ExitCode.stepFailed,
    host,
    hint: 'copy these images into the registry/mirror (kubernetes.imageRepository, containerd.registryMirrors), or fix those settings, then re-run kinstall up',
  });
}

/**
 * The init config without token or certificate key: what kubeadm config images list reads (its
 * kubernetesVersion, imageRepository and etcd settings: the same on every control plane).
 */
export function imagesConfig(ctx: StepContext): string {
  return renderKubeadmInitConfig({ inventory: ctx.inventory, host: firstControlPlane(ctx) });
}

function scriptInput(inventory: Inventory) {
  return { criSocket, addonImages: addonImages(inventory), target: kubernetesVersionTag(inventory.kubernetes.version), tableImages: upgradeCheckImages(inventory) };
}

export function renderImagesProbe(inventory: Inventory): string {
  return render('steps/images/probe.sh.hbs', scriptInput(inventory));
}

export function renderImagesPull(inventory: Inventory): string {
  return render('steps/images/pull.sh.hbs', { ...scriptInput(inventory), pullTimeout });
}

export const imagesStep: Step = {
  id: 'images',
  title: 'Images kubeadm init and the add-ons need, pulled from the mirror',
  // A missing image must stop the run before kubeadm init, not leave joins to fail after it.
  critical: true,
  hosts: (ctx) => [firstControlPlane(ctx)],
  async probe(ctx, host, remote) {
    const res = await remote.exec(renderImagesProbe(ctx.inventory), { sudo: true, stdin: imagesConfig(ctx), label: 'images: probe' });
    if (res.code !== 0) throw missingImagesError(ctx.inventory, host.name, res.stdout, res.stderr, res.code);
    const plan = planImages(parseKv(res.stdout));
    return { changes: plan.changes, data: plan };
  },
  async apply(ctx, host, remote) {
    const res = await remote.exec(renderImagesPull(ctx.inventory), { sudo: true, stdin: imagesConfig(ctx), label: 'images: pull', timeoutMs: 30 * 60_000 });
    if (res.code !== 0) throw missingImagesError(ctx.inventory, host.name, res.stdout, res.stderr, res.code);
  },
};
