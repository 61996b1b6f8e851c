import type { Inventory } from '../inventory/schema.js';
import { render } from '../render.js';
import { debPackageVersion, kubernetesMinor, rpmPackageVersion } from '../versions/index.js';
import { execOrFail, kv, probeKv, sha256 } from './remote.js';
import { leftToUpgrade } from '../upgrade/steps.js';
import type { Step } from './types.js';

export const aptKeyring = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
export const aptListPath = '/etc/apt/sources.list.d/kubernetes.list';
export const rpmRepoPath = '/etc/yum.repos.d/kubernetes.repo';
const pinned = ['kubeadm', 'kubelet', 'kubectl'] as const;

/** <packageRepository>/v<minor>/<deb|rpm>/ — the pkgs.k8s.io layout (one repository per minor). */
export function kubeRepoUrl(inventory: Inventory, kind: 'deb' | 'rpm'): string {
  const minor = kubernetesMinor(inventory.kubernetes.version);
  return `${inventory.kubernetes.packageRepository.replace(/\/+$/, '')}/v${minor}/${kind}/`;
}

export function renderRepoFile(inventory: Inventory, pkg: string): { path: string; content: string } {
  const minor = kubernetesMinor(inventory.kubernetes.version);
  if (pkg === 'apt') {
    return { path: aptListPath, content: render('steps/kube-packages/kubernetes.list.hbs', { minor, keyring: aptKeyring, repoUrl: kubeRepoUrl(inventory, 'deb') }) };
  }
  return { path: rpmRepoPath, content: render('steps/kube-packages/kubernetes.repo.hbs', { minor, repoUrl: kubeRepoUrl(inventory, 'rpm') }) };
}

export function packageVersion(inventory: Inventory, pkg: string): string {
  return pkg === 'apt' ? debPackageVersion(inventory.kubernetes.version) : rpmPackageVersion(inventory.kubernetes.version);
}

export interface KubePackagesActions {
  pkg: string;
  writeRepo: boolean;
  fetchKey: boolean;
  install: boolean;
}

/** Pure: probe output + desired repo file hash and package version → changes. */
export function planKubePackages(state: Map<string, string[]>, desired: { repoSha: string; version: string; leaveVersions?: boolean }): { changes: string[]; actions: KubePackagesActions } {
  const changes: string[] = [];
  const pkg = kv(state, 'pkg', 'apt');
  const writeRepo = kv(state, 'repo_sha') !== desired.repoSha;
  if (writeRepo) changes.push(`write the Kubernetes package repository (${pkg === 'apt' ? aptListPath : rpmRepoPath})`);
  const fetchKey = pkg === 'apt' && (writeRepo || kv(state, 'keyring') !== 'present');
  if (fetchKey) changes.push(`fetch the repository signing key into ${aptKeyring}`);
  // A node of a running cluster keeps its versions here: the upgrade steps move them, in order.
  const wrong = desired.leaveVersions ? [] : pinned.filter((p) => kv(state, `installed_${p}`, 'absent') !== desired.version);
  const noCriTools = kv(state, 'installed_cri-tools', 'absent') === 'absent';
  // (A cluster node missing cri-tools is not reinstalled here: that install would move its versions.)
  const install = wrong.length > 0 || (noCriTools && !desired.leaveVersions);
  for (const p of wrong) {
    const now = kv(state, `installed_${p}`, 'absent');
    changes.push(`install ${p} ${desired.version}${now === 'absent' ? '' : ` (now ${now})`}`);
  }
  if (noCriTools) changes.push('install cri-tools');
  const unheld = pinned.filter((p) => kv(state, `held_${p}`) !== 'yes');
  if (unheld.length && !install) changes.push(`hold ${unheld.join(', ')}`);
  else if (install) changes.push(`hold ${pinned.join(', ')}`);
  const enable = kv(state, 'kubelet_enabled') !== 'yes';
  if (enable) changes.push('enable kubelet');
  const needApply = writeRepo || fetchKey || install || unheld.length > 0 || enable;
  return { changes: needApply ? changes : [], actions: { pkg, writeRepo, fetchKey, install } };
}

export function renderKubePackagesProbe(): string {
  return render('steps/kube-packages/probe.sh.hbs', { aptListPath, rpmRepoPath, keyring: aptKeyring });
}

export function renderKubePackagesApply(inventory: Inventory, a: KubePackagesActions): string {
  const version = packageVersion(inventory, a.pkg);
  if (a.pkg === 'apt') {
    return render('steps/kube-packages/apply-apt.sh.hbs', {
      fetchKey: a.fetchKey,
      keyUrl: `${kubeRepoUrl(inventory, 'deb')}Release.key`,
      keyring: aptKeyring,
      install: a.install,
      version,
    });
  }
  return render('steps/kube-packages/apply-dnf.sh.hbs', { install: a.install, version });
}

export const kubePackagesStep: Step = {
  id: 'kube-packages',
  title: 'Kubernetes packages (repository, pinned kubeadm/kubelet/kubectl, held)',
  hosts: (ctx) => ctx.targets,
  async probe(ctx, host, remote) {
    const state = await probeKv(remote, renderKubePackagesProbe(), 'kube-packages: probe');
    const pkg = kv(state, 'pkg', 'apt');
    const { changes, actions } = planKubePackages(state, {
      repoSha: sha256(renderRepoFile(ctx.inventory, pkg).content),
      version: packageVersion(ctx.inventory, pkg),
      leaveVersions: await leftToUpgrade(ctx, host.name),
    });
    return { changes, data: actions };
  },
  async apply(ctx, _host, remote, plan) {
    const a = plan.data as KubePackagesActions;
    if (a.writeRepo) {
      const repo = renderRepoFile(ctx.inventory, a.pkg);
      await remote.upload(repo.path, repo.content, { mode: 0o644 });
    }
    await execOrFail(remote, renderKubePackagesApply(ctx.inventory, a), {
      label: 'kube-packages: apply',
      hint: `check that ${kubeRepoUrl(ctx.inventory, a.pkg === 'apt' ? 'deb' : 'rpm')} is reachable from the host and carries ${packageVersion(ctx.inventory, a.pkg)}`,
    });
  },
};
