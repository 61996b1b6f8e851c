import { parse } from 'yaml';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClusterReady, expectContainerdPulledFromMirror, expectConvergedDryRun, expectNoSecretsInLog, expectOperatorKubeconfig,
  expectRerunChangesNothing, expectVersionsPinnedAndHeld, writeLabels, type ClusterUnderTest,
} from '../e2e/cluster-checks.js';
import { rootSh, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { freshLab, kinstall, liveClusterState, snapshot, snapshotDiff, testKubeconfig, type UpRun } from './up-support.js';

/**
 * Acceptance (issue 4): `kinstall up` on fresh lab hosts (1 control plane + 2 workers) converges;
 * a re-run changes nothing; a dry run writes nothing, on fresh hosts and on the converged cluster;
 * the run log holds no secret. Real CLI, real SSH, the lab's simulators. The cluster checks are
 * shared with the Vagrant stage (tests/e2e/cluster-checks.ts).
 */

let l: LabDescription;
let cluster: ClusterUnderTest;
let first: UpRun;

function expectNoWrites(before: Map<string, string[]>, after: Map<string, string[]>): void {
  for (const [host, lines] of before) {
    expect(lines.length).toBeGreaterThan(1000);
    expect(snapshotDiff(lines, after.get(host)!), `${host} changed`).toEqual([]);
  }
}

beforeAll(() => {
  buildCli();
  l = freshLab(3);
  cluster = {
    hosts: l.hosts,
    rootSh: (h, script) => rootSh(l, l.hosts.find((x) => x.name === h.name)!, script),
    registryLogFile: `${l.labDir}/run/registry.log`,
    // The lab inventory goes through the registry front (as registry.k8s.io answers, with 307s).
    imageRepository: (parse(fs.readFileSync(l.inventory, 'utf8')) as { kubernetes: { imageRepository: string } }).kubernetes.imageRepository,
  };
  fs.rmSync(testKubeconfig, { force: true });
});

describe('kinstall up on the lab', () => {
  it('--dry-run on fresh hosts prints the plan and writes nothing', () => {
    const before = snapshot(l);
    const r = kinstall('up', l.inventory, ['--dry-run']);
    const after = snapshot(l);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Plan \(dry run: nothing was changed\)/);
    expect(r.stdout).toContain('install containerd 1.6.20');
    expect(r.log).not.toMatch(writeLabels);
    expectNoWrites(before, after);
  });

  it('converges: exit 0, 3 nodes Ready, flannel and dashboard ready, kubeconfig 0600', () => {
    first = kinstall('up', l.inventory);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(l.hosts).toHaveLength(3);
    expectClusterReady(cluster);
    expectOperatorKubeconfig(cluster, first.kubeconfig);
  });

  it('configures containerd and pulls the images from the lab mirror', () => {
    expectContainerdPulledFromMirror(cluster);
  });

  it('pins and holds the inventory\'s versions', () => {
    expectVersionsPinnedAndHeld(cluster);
  });

  it('a re-run changes nothing, says so per step, and runs no write command', () => {
    expectRerunChangesNothing(kinstall('up', l.inventory));
  });

  it('--dry-run on the converged cluster writes nothing and reports every step done', () => {
    const before = snapshot(l, l.hosts, liveClusterState);
    const r = kinstall('up', l.inventory, ['--dry-run']);
    const after = snapshot(l, l.hosts, liveClusterState);
    expectConvergedDryRun(r);
    expectNoWrites(before, after);
  });

  it('the run log holds no bootstrap token, certificate key or client key', () => {
    expectNoSecretsInLog(cluster, first.log);
  });
});
