import type { Inventory } from '../../../src/inventory/schema.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { renderDashboardTokenScript } from '../../../src/cli/commands/dashboard-token.js';
import { renderDashboardManifest, renderFlannelManifest, renderKubeadmInitConfig, renderKubeadmJoinConfig } from '../../../src/kube/index.js';
import { renderFactsScript } from '../../../src/preflight/facts.js';
import { fixScript } from '../../../src/preflight/fix.js';
import { render } from '../../../src/render.js';
import { renderAddonApply, renderAddonProbe } from '../../../src/steps/addon.js';
import { desiredFiles, renderContainerdInstall, renderContainerdProbe } from '../../../src/steps/containerd.js';
import { renderInitApply, renderInitProbe } from '../../../src/steps/init.js';
import { renderBalancerApply, renderBalancerProbe, renderHaproxyConfig } from '../../../src/steps/endpoint.js';
import { renderKubeVipManifest, renderKubeVipProbe } from '../../../src/steps/endpoint-vip.js';
import { joinConfigPath, renderTokenScript } from '../../../src/steps/join.js';
import { renderKubePackagesApply, renderKubePackagesProbe, renderRepoFile } from '../../../src/steps/kube-packages.js';
import { kubeconfigServer, renderKubeconfigProbe } from '../../../src/steps/kubeconfig.js';
import { firewallPorts, hostsBlock, renderPrepareHostApply, renderPrepareHostProbe } from '../../../src/steps/prepare-host.js';
import { apiServerEndpoint, firstControlPlane } from '../../../src/steps/remote.js';
import { renderDeleteNode, renderResetScript } from '../../../src/steps/reset.js';
import { renderDrainScript, renderDrainStateScript, renderUncordonScript } from '../../../src/kube/drain.js';
import { renderPruneProbe } from '../../../src/steps/prune.js';
import { renderImagesProbe, renderImagesPull } from '../../../src/steps/images.js';
import { renderCertsProbe, renderCertsRenew } from '../../../src/steps/certs.js';
import { renderBackupCleanup, renderBackupSave, renderStateProbe } from '../../../src/backup/backup.js';
import { renderRestore, renderRestorePrepare } from '../../../src/backup/restore.js';
import { desiredNodeMetadata, planNodeMetadata, renderNodeMetadataApply, renderNodeMetadataProbe } from '../../../src/steps/node-metadata.js';
import { renderDrainMark, renderDrainRelease } from '../../../src/upgrade/drain-hook.js';
import { renderClusterProbe, renderKubeadmUpgrade, renderKubeletUpgrade, renderNodeProbe } from '../../../src/upgrade/steps.js';

export type OutputLanguage = 'sh' | 'yaml' | 'toml' | 'line';

/** One rendered remote script or config file, or the error its renderer refused the input with. */
export type Output = { name: string; lang: OutputLanguage; text: string } | { name: string; lang: OutputLanguage; error: Error };

/** Add-on specs as the steps' golden tests use them (tests/unit/steps/golden.test.ts imports these). */
export const flannelSpec = {
  id: 'cni',
  title: 'cni',
  file: 'kube-flannel.yaml',
  enabled: () => true,
  manifest: () => '',
  workloads: [{ kind: 'daemonset' as const, name: 'kube-flannel-ds', namespace: 'kube-flannel' }],
};
export const dashboardSpec = {
  ...flannelSpec,
  id: 'dashboard',
  file: 'dashboard.yaml',
  workloads: [
    { kind: 'deployment' as const, name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard' },
    { kind: 'deployment' as const, name: 'dashboard-metrics-scraper', namespace: 'kubernetes-dashboard' },
  ],
};

/**
 * Everything kinstall renders for an inventory, through the entry points the steps and preflight
 * use (the few scripts a step renders inline are rendered here with the same data). Each output is
 * rendered on its own, so one renderer refusing a value does not hide the others.
 */
export function renderAll(inventory: Inventory, hosts: ResolvedHost[]): Output[] {
  const out: Output[] = [];
  const add = (name: string, lang: OutputLanguage, f: () => string): void => {
    try {
      out.push({ name, lang, text: f() });
    } catch (err) {
      out.push({ name, lang, error: err instanceof Error ? err : new Error(String(err)) });
    }
  };
  const ctx = { inventory, hosts };
  const names = hosts.map((h) => h.name);
  const token = 'abcdef.0123456789abcdef';
  const certificateKey = 'c'.repeat(64);

  add('preflight/facts.sh', 'sh', () => renderFactsScript(inventory));
  add('prune/nodes.sh', 'sh', () => renderPruneProbe());
  for (const [i, h] of hosts.entries()) {
    add(`preflight/fix.sh#${i}`, 'sh', () => fixScript({ host: h.name, actions: [], notFixable: [] }));
    add(`prepare-host/probe.sh#${i}`, 'sh', () => renderPrepareHostProbe(ctx, h));
    add(`prepare-host/hosts-block#${i}`, 'line', () => hostsBlock(ctx, h));
    for (const [firewall, pkg] of [['firewalld', 'dnf'], ['ufw', 'apt']] as const) {
      add(`prepare-host/apply-${firewall}.sh#${i}`, 'sh', () =>
        renderPrepareHostApply(ctx, h, {
          hostname: h.name,
          writeHostsBlock: true,
          swapOff: true,
          writeModulesConf: true,
          loadModules: true,
          writeSysctlConf: true,
          reloadSysctl: true,
          selinuxPermissive: true,
          openPorts: firewallPorts(h, inventory),
          installTimesync: true,
          firewall,
          pkg,
        }),
      );
    }
    add(`join/registered.sh#${i}`, 'sh', () => render('steps/join/registered.sh.hbs', { node: h.name }));
    add(`join/wait-registered.sh#${i}`, 'sh', () => render('steps/join/wait-registered.sh.hbs', { node: h.name, waitSeconds: 2 }));
    add(`reset/delete-node.sh#${i}`, 'sh', () => renderDeleteNode(h.name));
    add(`drain/drain.sh#${i}`, 'sh', () => renderDrainScript(h.name, { timeoutSeconds: 300, force: true }));
    add(`drain/state.sh#${i}`, 'sh', () => renderDrainStateScript(h.name));
    add(`drain/uncordon.sh#${i}`, 'sh', () => renderUncordonScript(h.name));
  }

  add('containerd/probe.sh', 'sh', () => renderContainerdProbe(inventory));
  add('containerd/resolve-candidate.sh', 'sh', () => render('steps/containerd/resolve-candidate.sh.hbs', { package: 'containerd' }));
  const base = { install: true, hold: false, upload: [], restart: true };
  add(`containerd/install-${inventory.containerd.source === "binary" ? "binary" : "apt"}.sh`, "sh", () => renderContainerdInstall(inventory, { ...base, pkg: "apt", arch: "amd64" }));
  add('containerd/install-dnf.sh', 'sh', () => renderContainerdInstall(inventory, { ...base, pkg: 'dnf', arch: 'amd64' }));
  try {
    for (const f of desiredFiles(inventory, inventory.containerd.version ?? '1.7.0')) {
      add(`containerd/file:${f.path}`, 'toml', () => f.content);
      add(`containerd/upload:${f.path}`, 'sh', () => render('ssh/upload.sh.hbs', { path: f.path, mode: '0644' }));
    }
  } catch (err) {
    out.push({ name: 'containerd/files', lang: 'toml', error: err as Error });
  }

  add('kube-packages/probe.sh', 'sh', () => renderKubePackagesProbe());
  add('kube-packages/kubernetes.list', 'line', () => renderRepoFile(inventory, 'apt').content);
  add('kube-packages/kubernetes.repo', 'line', () => renderRepoFile(inventory, 'dnf').content);
  for (const pkg of ['apt', 'dnf']) {
    add(`kube-packages/apply-${pkg}.sh`, 'sh', () => renderKubePackagesApply(inventory, { pkg, writeRepo: true, fetchKey: true, install: true }));
  }

  add('images/probe.sh', 'sh', () => renderImagesProbe(inventory));
  add('images/pull.sh', 'sh', () => renderImagesPull(inventory));
  add('node-metadata/probe.sh', 'sh', () => renderNodeMetadataProbe());
  add('node-metadata/apply.sh', 'sh', () => {
    // Every node registered bare: the plan then sets every inventory label and taint.
    const bare = new Map(hosts.map((h) => [h.name, { labels: {}, taints: [], annotations: {} }]));
    return renderNodeMetadataApply(planNodeMetadata(bare, hosts.map(desiredNodeMetadata)).commands);
  });

  add('init/probe.sh', 'sh', () => renderInitProbe());
  add('init/apply.sh', 'sh', () => renderInitApply({ init: true, resetFirst: true }, 2));
  add('join/token.sh', 'sh', () => renderTokenScript('abcdef', 2));
  add('join/apply.sh', 'sh', () => render('steps/join/apply.sh.hbs', { config: joinConfigPath, controlPlane: true, resetFirst: true }));
  add('kubeadm/init-config.yaml', 'yaml', () => renderKubeadmInitConfig({ inventory, host: firstControlPlane(ctx), bootstrapToken: token, certificateKey }));
  for (const [i, h] of hosts.entries()) {
    if (h === firstControlPlane(ctx)) continue;
    add(`kubeadm/join-config.yaml#${i}`, 'yaml', () =>
      renderKubeadmJoinConfig({
        inventory,
        host: h,
        apiServerEndpoint: apiServerEndpoint(ctx),
        token,
        caCertHash: `sha256:${'b'.repeat(64)}`,
        certificateKey: h.isControlPlane ? certificateKey : undefined,
      }),
    );
  }

  add('cni/probe.sh', 'sh', () => renderAddonProbe(flannelSpec));
  add('cni/apply.sh', 'sh', () => renderAddonApply(flannelSpec));
  add('dashboard/probe.sh', 'sh', () => renderAddonProbe(dashboardSpec));
  add('flannel/kube-flannel.yaml', 'yaml', () => renderFlannelManifest({ inventory }));
  add('dashboard/dashboard.yaml', 'yaml', () => renderDashboardManifest({ inventory }));
  add('kubeconfig/probe.sh', 'sh', () => renderKubeconfigProbe(kubeconfigServer(ctx), names));
  add('kubeconfig/wait-ready.sh', 'sh', () => render('steps/kubeconfig/wait-ready.sh.hbs', { nodes: names, waitSeconds: 2 }));
  for (const h of hosts.filter((x) => x.isControlPlane)) {
    add(`certs/probe.sh ${h.name}`, 'sh', () => renderCertsProbe(h));
    add(`certs/renew.sh ${h.name}`, 'sh', () => renderCertsRenew(h, true));
    add(`backup/save.sh ${h.name}`, 'sh', () => renderBackupSave(inventory.metadata.name, h));
    add(`restore/restore.sh ${h.name}`, 'sh', () => renderRestore(h, '20260101T000000Z'));
  }
  add('backup/probe.sh', 'sh', () => renderStateProbe());
  add('backup/cleanup.sh', 'sh', () => renderBackupCleanup('/var/tmp/kinstall-backup.AbC123'));
  add('restore/prepare.sh', 'sh', () => renderRestorePrepare());
  add('dashboard-token.sh', 'sh', () => renderDashboardTokenScript());
  add('reset/reset.sh', 'sh', () => renderResetScript({ removePackages: true }));

  // The API endpoint kinstall builds (issue 14): rendered for this inventory's hosts whichever
  // choice it makes, the choice's own values taken from it when it has them.
  const withEndpoint = (apiEndpoint: NonNullable<Inventory['kubernetes']['apiEndpoint']>): Inventory => ({ ...inventory, kubernetes: { ...inventory.kubernetes, apiEndpoint } });
  const nodeLocal = inventory.kubernetes.apiEndpoint?.nodeLocal ? inventory : withEndpoint({ nodeLocal: { port: 7443 } });
  const kubeVip = inventory.kubernetes.apiEndpoint?.kubeVip ? inventory : withEndpoint({ kubeVip: { address: '10.0.0.100', interface: 'eth0', image: 'ghcr.io/kube-vip/kube-vip:v0.8.9' } });
  add('endpoint/haproxy.cfg', 'line', () => renderHaproxyConfig({ inventory: nodeLocal, hosts }));
  add('endpoint/probe.sh', 'sh', () => renderBalancerProbe(nodeLocal));
  for (const pkg of ['apt', 'dnf'] as const) {
    add(`endpoint/apply-${pkg}.sh`, 'sh', () => renderBalancerApply(nodeLocal, { install: true, writeConfig: true, enable: true, reloadOrStart: true, pkg }));
  }
  add('endpoint/vip-probe.sh', 'sh', () => renderKubeVipProbe());
  add('endpoint/kube-vip-bootstrap.yaml', 'yaml', () => renderKubeVipManifest(kubeVip, true));
  add('endpoint/kube-vip.yaml', 'yaml', () => renderKubeVipManifest(kubeVip, false));
  add('upgrade/cluster-probe.sh', 'sh', () => renderClusterProbe());
  for (const [i, h] of hosts.entries()) {
    add(`upgrade/drain-mark.sh#${i}`, 'sh', () => renderDrainMark(h.name, inventory.kubernetes.version));
    add(`upgrade/drain-release.sh#${i}`, 'sh', () => renderDrainRelease(h.name));
  }
  for (const [i, h] of hosts.entries()) {
    add(`upgrade/node-probe.sh#${i}`, 'sh', () => renderNodeProbe(h, i === 0));
    for (const pkg of ['apt', 'dnf']) {
      const all = { pkg, installKubeadm: true, kubeadm: i === 0 ? 'apply' as const : 'node' as const, installKubelet: true, wait: true };
      add(`upgrade/kubeadm-${pkg}.sh#${i}`, 'sh', () => renderKubeadmUpgrade(all, inventory.kubernetes.version, `${inventory.kubernetes.version}-1.1`));
      add(`upgrade/kubelet-${pkg}.sh#${i}`, 'sh', () => renderKubeletUpgrade(all, h, inventory.kubernetes.version, `${inventory.kubernetes.version}-1.1`, 2));
    }
  }
  return out;
}
