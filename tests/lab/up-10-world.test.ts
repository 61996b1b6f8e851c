import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClusterReady, expectRerunChangesNothing, type ClusterUnderTest } from '../e2e/cluster-checks.js';
import { labScript, labTable, rootSh, type LabDescription } from './lab-support.js';
import { buildCli, hostCheck, preflight } from './preflight-support.js';
import { freshLab, kinstall, testKubeconfig } from './up-support.js';

/**
 * The lab shaped like the world (issues 11 and 12), with the README's DEFAULT inventory: no
 * packageRepository, no imageRepository, no mirrors. The lab's DNS and CA answer for pkgs.k8s.io
 * (302 to its "CDN") and registry.k8s.io (307 on every /v2/ request), as the real services do.
 * - "mixed": a Debian 12 control plane, a Debian 13 worker and a minimal Debian 12 worker, each
 *   with its own release's containerd (unpinned): preflight passes, one `up` converges, a re-run
 *   changes nothing, and a worker reset and joined again becomes Ready again.
 * - "bullseye": Debian 11 offers containerd 1.4 (CRI v1alpha2 only); preflight refuses it with
 *   the "CRI v1 runtime API is not implemented" symptom before anything is installed.
 */
let l: LabDescription;
let cluster: ClusterUnderTest;

/**
 * The shape on FRESH hosts: a host whose release and profile the shape keeps (the default shape's
 * bookworm/full node1 in "mixed") would otherwise carry the cluster an earlier file installed.
 */
function shape(name: string): LabDescription {
  const rows = labTable('shapes.tsv').filter(([s]) => s === name).length;
  return freshLab(rows, { LAB_SHAPE: name, LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '1' });
}

beforeAll(() => {
  buildCli();
  fs.rmSync(testKubeconfig, { force: true });
});
afterAll(() => {
  // Later files (and `npm run lab`) expect the default lab.
  labScript('up', [], { LAB_SHAPE: 'default', LAB_OS: '', LAB_HOSTS: '', LAB_REAL_NAMES: '' });
});

describe('the README default inventory on a mixed lab behind redirecting upstream names', () => {
  beforeAll(() => {
    l = shape('mixed');
    cluster = {
      hosts: l.hosts,
      rootSh: (h, script) => rootSh(l, l.hosts.find((x) => x.name === h.name)!, script),
      registryLogFile: `${l.labDir}/run/registry.log`,
    };
  });

  it('the inventory is the default one: upstream repositories, no mirrors', () => {
    const text = fs.readFileSync(l.inventory, 'utf8');
    expect(text).not.toMatch(/packageRepository|imageRepository|registryMirrors/);
    expect(l.hosts.map((h) => `${h.os}/${h.profile}`)).toEqual(['bookworm/full', 'trixie/full', 'bookworm/minimal']);
  });

  it('preflight follows the redirects and fails nothing', () => {
    const r = preflight(l.inventory);
    for (const h of l.hosts) {
      const m = hostCheck(r.report!, h.name, 'mirror-reachable');
      expect(m.status, m.message).toBe('pass');
      const c = hostCheck(r.report!, h.name, 'containerd-compat');
      expect(c.status, c.message).not.toBe('fail');
    }
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('one up converges on Debian 12 and 13 hosts with their own containerd; a re-run changes nothing', () => {
    const first = kinstall('up', l.inventory);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expectClusterReady(cluster);
    // Each host runs its own release's containerd: 1.6.x on Debian 12, 1.7.x on Debian 13.
    const trixie = l.hosts.find((h) => h.os === 'trixie')!;
    expect(rootSh(l, trixie, "dpkg-query -W -f='${Version}' containerd")).toMatch(/^1\.7\./);
    expectRerunChangesNothing(kinstall('up', l.inventory));
  });

  it('a worker reset and joined again becomes Ready again', () => {
    const worker = l.hosts[l.hosts.length - 1]!;
    const reset = kinstall('reset', l.inventory, ['--hosts', worker.name, '--yes']);
    expect(reset.code, reset.stdout + reset.stderr).toBe(0);
    const again = kinstall('up', l.inventory);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectClusterReady(cluster);
  });
});

describe('Debian 11 with its own containerd', () => {
  it('preflight refuses containerd 1.4 with the CRI v1 symptom, before anything is installed', () => {
    l = shape('bullseye');
    // A server whose package lists are current (a fresh image without any lists is judged after
    // apt-get update by the containerd step itself: unit tests cover that path).
    rootSh(l, l.hosts[0]!, 'apt-get update -q >/dev/null 2>&1');
    const r = preflight(l.inventory);
    const c = hostCheck(r.report!, l.hosts[0]!.name, 'containerd-compat');
    expect(c.status, c.message).toBe('fail');
    expect(c.message).toMatch(/1\.4\.\d+/);
    expect(c.message).toContain('CRI v1 runtime API is not implemented');
    expect(r.code).toBe(1);
    const up = kinstall('up', l.inventory);
    expect(up.code).toBe(1);
    expect(rootSh(l, l.hosts[0]!, 'command -v containerd || echo absent')).toBe('absent');
  });
});
