import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  expectClusterReady, expectContainerdPulledFromMirror, expectNoSecretsInLog, expectOperatorKubeconfig,
  expectRerunChangesNothing, expectVersionsPinnedAndHeld, type ClusterHost, type ClusterUnderTest, type UpOutcome,
} from '../e2e/cluster-checks.js';
import { labDir, repoRoot, run } from '../lab/lab-support.js';

/**
 * The Vagrant stage's checks (issue 6), run by tests/vagrant/run.sh after `kinstall up` on the VMs:
 * the same expectations as the lab e2e (tests/lab/up-1-converge.test.ts), through real SSH to
 * the VMs with the keys and host keys of the generated inventory.
 */

const out = process.env.KINSTALL_VAGRANT_OUT ?? path.join(repoRoot, '.vagrant-work', 'out');
const inventoryFile = path.join(out, 'inventory.yaml');

interface VagrantHost extends ClusterHost {
  user: string;
  identityFile: string;
}

interface InventoryFile {
  ssh: { knownHostsFile: string };
  hosts: { name: string; address: string; ssh: { user: string; identityFile: string } }[];
}

let cluster: ClusterUnderTest;

function vagrantCluster(): ClusterUnderTest {
  if (!fs.existsSync(inventoryFile)) throw new Error(`${inventoryFile} is missing: run these through tests/vagrant/run.sh`);
  const inventory = parse(fs.readFileSync(inventoryFile, 'utf8')) as InventoryFile;
  const hosts: VagrantHost[] = inventory.hosts.map((h) => ({ name: h.name, address: h.address, user: h.ssh.user, identityFile: h.ssh.identityFile }));
  const rootSh = (host: ClusterHost, script: string): string => {
    const h = hosts.find((x) => x.name === host.name)!;
    // The script travels on stdin, so quoting stays the same as on the lab's hosts.
    const r = run('ssh', [
      '-i', h.identityFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${inventory.ssh.knownHostsFile}`, '-o', 'ConnectTimeout=10',
      `${h.user}@${h.address}`, 'sudo bash -s',
    ], { input: script });
    if (r.code !== 0) throw new Error(`${h.name}: \`${script}\` exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return { hosts, rootSh, registryLogFile: path.join(labDir, 'run', 'registry.log') };
}

/** The kinstall CLI from the sources, as run.sh ran it, against the generated inventory. */
function kinstallUp(args: string[], logName: string): UpOutcome {
  const logFile = path.join(out, logName);
  fs.rmSync(logFile, { force: true });
  const r = run('npx', ['tsx', path.join(repoRoot, 'tests/vagrant/kinstall.ts'), 'up', '--yes', inventoryFile,
    '--log', logFile, '--kubeconfig', path.join(out, 'vagrant.kubeconfig'), ...args]);
  return { ...r, log: fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '' };
}

/** Nodes and pods take a while to settle under emulation: retry the readiness checks. */
async function eventually(check: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
}

beforeAll(() => {
  cluster = vagrantCluster();
});

describe('kinstall up on the Vagrant VMs', () => {
  it('converged: every VM a Ready node, flannel and dashboard ready, kubeconfig 0600', async () => {
    expect(cluster.hosts.length).toBeGreaterThanOrEqual(2);
    await eventually(() => expectClusterReady(cluster), 300_000);
    expectOperatorKubeconfig(cluster, path.join(out, 'vagrant.kubeconfig'));
  });

  it('configures containerd and pulls the images from the lab mirror', () => {
    expectContainerdPulledFromMirror(cluster);
  });

  it("pins and holds the inventory's versions", () => {
    expectVersionsPinnedAndHeld(cluster);
  });

  it('the run log holds no bootstrap token, certificate key or client key', () => {
    expectNoSecretsInLog(cluster, fs.readFileSync(path.join(out, 'up.log'), 'utf8'));
  });

  it('a re-run changes nothing, says so per step, and runs no write command', () => {
    expectRerunChangesNothing(kinstallUp([], 'rerun.log'));
  });

  // No --dry-run here: it asks the hosts the same probes the re-run above just ran, and the lab's
  // up-1-converge checks a converged dry run (every step done, no write command, no byte changed
  // under /etc and /var/lib). Under plain QEMU emulation it cost CI 72 s for no new code path.
});
