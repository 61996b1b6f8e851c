import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { renderDrainMark, renderDrainRelease } from '../../../src/upgrade/drain-hook.js';
import { renderClusterProbe, renderKubeadmUpgrade, renderKubeletUpgrade, renderNodeProbe, type NodeUpgradeActions } from '../../../src/upgrade/steps.js';
import { expectGolden } from '../../helpers/golden.js';
import { labCluster } from '../steps/inventories.js';

const { hosts } = labCluster();
const [cp, worker] = [hosts[0]!, hosts[1]!];
const all = (pkg: string, kubeadm: NodeUpgradeActions['kubeadm']): NodeUpgradeActions => ({ pkg, installKubeadm: true, kubeadm, installKubelet: true, wait: true });
const scripts: Record<string, string> = {
  'cluster-probe.sh': renderClusterProbe(),
  'node-probe-first-cp.sh': renderNodeProbe(cp, true),
  'node-probe-worker.sh': renderNodeProbe(worker, false),
  'kubeadm-apply-apt.sh': renderKubeadmUpgrade(all('apt', 'apply'), '1.28.15', '1.28.15-1.1'),
  'kubeadm-node-dnf.sh': renderKubeadmUpgrade(all('dnf', 'node'), '1.28.15', '1.28.15-150500.1.1'),
  'kubeadm-package-only-apt.sh': renderKubeadmUpgrade(all('apt', 'none'), '1.28.15', '1.28.15-1.1'),
  'kubelet-apt.sh': renderKubeletUpgrade(all('apt', 'node'), worker, '1.28.15', '1.28.15-1.1', 300),
  'drain-mark.sh': renderDrainMark(worker.name, '1.28.15'),
  'drain-release.sh': renderDrainRelease(worker.name),
  'kubelet-wait-only.sh': renderKubeletUpgrade({ ...all('apt', 'none'), installKubelet: false }, worker, '1.28.15', '1.28.15-1.1', 300),
};

describe('upgrade scripts (golden)', () => {
  for (const [name, text] of Object.entries(scripts)) {
    it(name, () => {
      expectGolden(`steps/upgrade/${name}`, text);
      execFileSync('dash', ['-n'], { input: text });
    });
  }
});
