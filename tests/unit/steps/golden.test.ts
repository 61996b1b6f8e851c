import { execFileSync } from 'node:child_process';
import { dashboardSpec, flannelSpec } from '../templates/render-all.js';
import { describe, expect, it } from 'vitest';
import { renderDashboardTokenScript } from '../../../src/cli/commands/dashboard-token.js';
import { render } from '../../../src/render.js';
import { renderAddonApply, renderAddonProbe } from '../../../src/steps/addon.js';
import { cniStep } from '../../../src/steps/cni.js';
import { renderContainerdArchProbe, renderContainerdInstall, renderContainerdProbe } from '../../../src/steps/containerd.js';
import { initConfigPath, renderInitApply, renderInitProbe } from '../../../src/steps/init.js';
import { renderBootstrapTokenSecret } from '../../../src/steps/join-command.js';
import { joinConfigPath, renderTokenScript, uploadCertsConfigPath } from '../../../src/steps/join.js';
import { renderKubePackagesApply, renderKubePackagesProbe, renderRepoFile } from '../../../src/steps/kube-packages.js';
import { kubeconfigServer, renderKubeconfigProbe } from '../../../src/steps/kubeconfig.js';
import { renderPrepareHostApply, renderPrepareHostProbe, firewallPorts, hostsBlock } from '../../../src/steps/prepare-host.js';
import { renderDeleteNode, renderResetScript } from '../../../src/steps/reset.js';
import { renderDrainScript, renderDrainStateScript, renderUncordonScript } from '../../../src/kube/drain.js';
import { renderPruneProbe } from '../../../src/steps/prune.js';
import { expectGolden } from '../../helpers/golden.js';
import { labCluster } from './inventories.js';

const rendered: Record<string, string> = {};
function golden(name: string, text: string): void {
  rendered[name] = text;
  expectGolden(`steps/${name}`, text);
}

const { hosts, inventory } = labCluster();
const ctx = { inventory, hosts };
const cp = hosts[0]!;

// Specs for the add-on scripts (same shape as the real steps use).

describe('step scripts (golden, Debian 1.28.15 and RHEL where they differ)', () => {
  it('prepare-host', () => {
    golden('prepare-host/probe.sh', renderPrepareHostProbe(ctx, cp));
    golden('prepare-host/hosts-block', hostsBlock(ctx, cp));
    golden('prepare-host/hosts-block-worker', hostsBlock(ctx, hosts[2]!));
    golden(
      'prepare-host/apply-all.sh',
      renderPrepareHostApply(ctx, cp, {
        hostname: 'node1',
        writeHostsBlock: true,
        swapOff: true,
        writeModulesConf: true,
        loadModules: true,
        writeSysctlConf: true,
        reloadSysctl: true,
        selinuxPermissive: true,
        openPorts: firewallPorts(cp, inventory),
        installTimesync: true,
        firewall: 'firewalld',
        pkg: 'dnf',
      }),
    );
    golden(
      'prepare-host/apply-debian-ufw.sh',
      renderPrepareHostApply(ctx, hosts[1]!, {
        writeHostsBlock: false,
        swapOff: false,
        writeModulesConf: false,
        loadModules: false,
        writeSysctlConf: false,
        reloadSysctl: true,
        selinuxPermissive: false,
        openPorts: firewallPorts(hosts[1]!, inventory),
        installTimesync: true,
        firewall: 'ufw',
        pkg: 'apt',
      }),
    );
  });

  it('containerd', () => {
    golden('containerd/probe.sh', renderContainerdProbe(inventory));
    const base = { install: true, hold: false, upload: [], restart: true };
    golden('containerd/install-apt.sh', renderContainerdInstall(inventory, { ...base, pkg: 'apt' }));
    golden('containerd/resolve-candidate.sh', render('steps/containerd/resolve-candidate.sh.hbs', { package: 'containerd' }));
    golden('containerd/install-apt-exact.sh', renderContainerdInstall(inventory, { ...base, pkg: 'apt', exactVersion: '1.6.20~ds1-1+deb12u2' }));
    golden('containerd/install-dnf.sh', renderContainerdInstall({ ...inventory, containerd: { ...inventory.containerd, version: '1.7.25' } }, { ...base, pkg: 'dnf' }));
    const binary = {
      ...inventory,
      containerd: {
        ...inventory.containerd,
        source: 'binary' as const,
        version: '1.7.25',
        binaryUrl: 'http://mirror.example/containerd/v{version}/containerd-{version}-linux-{arch}.tar.gz',
        binarySha256: 'a'.repeat(64),
      },
    };
    golden('containerd/install-binary.sh', renderContainerdInstall(binary, { ...base, pkg: 'apt', arch: 'amd64' }));
    const perArch = { ...binary, containerd: { ...binary.containerd, binarySha256: { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) } } };
    golden('containerd/install-binary-arm64.sh', renderContainerdInstall(perArch, { ...base, pkg: 'apt', arch: 'arm64' }));
    golden('containerd/arch.sh', renderContainerdArchProbe());
    golden('containerd/restart.sh', render('steps/containerd/restart.sh.hbs', {}));
    golden('containerd/hold-apt.sh', render('steps/containerd/hold.sh.hbs', { pkg: 'apt', package: 'containerd' }));
    golden('containerd/hold-dnf.sh', render('steps/containerd/hold.sh.hbs', { pkg: 'dnf', package: 'containerd.io' }));
    golden('containerd/containerd.service', render('steps/containerd/containerd.service.hbs', {}));
  });

  it('kube-packages', () => {
    golden('kube-packages/probe.sh', renderKubePackagesProbe());
    golden('kube-packages/kubernetes.list', renderRepoFile(inventory, 'apt').content);
    golden('kube-packages/kubernetes.repo', renderRepoFile(inventory, 'dnf').content);
    golden('kube-packages/apply-apt.sh', renderKubePackagesApply(inventory, { pkg: 'apt', writeRepo: true, fetchKey: true, install: true }));
    golden('kube-packages/apply-dnf.sh', renderKubePackagesApply(inventory, { pkg: 'dnf', writeRepo: true, fetchKey: false, install: true }));
    const v132 = labCluster('1.32.4').inventory;
    golden('kube-packages/kubernetes-1.32.list', renderRepoFile(v132, 'apt').content);
    golden('kube-packages/apply-apt-1.32.sh', renderKubePackagesApply(v132, { pkg: 'apt', writeRepo: false, fetchKey: false, install: true }));
  });

  it('init, join', () => {
    golden('init/probe.sh', renderInitProbe());
    golden('init/apply.sh', renderInitApply({ init: true, resetFirst: false }));
    golden('init/apply-after-cut.sh', renderInitApply({ init: true, resetFirst: true }));
    golden('init/apply-wait-only.sh', renderInitApply({ init: false, resetFirst: false }));
    golden('join/probe.sh', render('steps/join/probe.sh.hbs', {}));
    golden('join/registered.sh', render('steps/join/registered.sh.hbs', { node: 'node2' }));
    golden('join/token.sh', renderTokenScript('abcdef'));
    golden('join/bootstrap-token-secret.yaml', renderBootstrapTokenSecret('abcdef.0123456789abcdef', new Date('2026-11-22T07:15:00.123Z')));
    golden('join/upload-certs.sh', render('steps/join/upload-certs.sh.hbs', { config: uploadCertsConfigPath }));
    golden('join/apply-worker.sh', render('steps/join/apply.sh.hbs', { config: joinConfigPath, controlPlane: false, resetFirst: false }));
    golden('join/apply-control-plane.sh', render('steps/join/apply.sh.hbs', { config: joinConfigPath, controlPlane: true, resetFirst: true }));
    golden('join/wait-registered.sh', render('steps/join/wait-registered.sh.hbs', { node: 'node2', waitSeconds: 120 }));
    expect(initConfigPath).toBe('/etc/kubernetes/kinstall/kubeadm-init.yaml');
  });

  it('cni, dashboard, kubeconfig', () => {
    golden('cni/probe.sh', renderAddonProbe(flannelSpec));
    golden('cni/apply.sh', renderAddonApply(flannelSpec));
    golden('dashboard/probe.sh', renderAddonProbe(dashboardSpec));
    golden('dashboard/apply.sh', renderAddonApply(dashboardSpec));
    golden('kubeconfig/probe.sh', renderKubeconfigProbe(kubeconfigServer(ctx), hosts.map((h) => h.name)));
    golden('kubeconfig/wait-ready.sh', render('steps/kubeconfig/wait-ready.sh.hbs', { nodes: ['node1', 'node2', 'node3'], waitSeconds: 300 }));
    golden('dashboard-token.sh', renderDashboardTokenScript());
    expect(cniStep.id).toBe('cni');
  });

  it('reset', () => {
    golden('reset/reset.sh', renderResetScript({ removePackages: false }));
    golden('reset/reset-remove-packages.sh', renderResetScript({ removePackages: true }));
    golden('reset/delete-node.sh', renderDeleteNode('node3'));
  });
  it('drain', () => {
    golden('drain/drain-remove.sh', renderDrainScript('node3', { timeoutSeconds: 300, force: true }));
    golden('drain/drain-keep.sh', renderDrainScript('node3', { timeoutSeconds: 90, force: false }));
    golden('drain/state.sh', renderDrainStateScript('node3'));
    golden('drain/uncordon.sh', renderUncordonScript('node3'));
    golden('prune/nodes.sh', renderPruneProbe());
  });

  it('every rendered script is valid POSIX sh (dash -n)', () => {
    const scripts = Object.entries(rendered).filter(([name]) => name.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(30);
    for (const [name, text] of scripts) {
      expect(text.startsWith('set -eu\n'), `${name} starts with set -eu`).toBe(true);
      try {
        execFileSync('dash', ['-n'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (err) {
        throw new Error(`${name}: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
      }
    }
  });
});
