// The lab's Kubernetes version per shape (lab/hosts/kubernetes.tsv) is data that three other tables
// must serve: the lab repository (lab/packaging/catalogue.ts), the kubeadm simulator's image table
// and kinstall's supported range. A row nobody can install fails here, not in a 5-minute lab run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_MINORS, packagesFor } from '../../../lab/packaging/catalogue.js';
import { KNOWN_KUBEADM_RELEASES } from '../../../lab/simulators/src/common/kubeadm/versions.js';
import { isSupportedKubernetes } from '../../../src/versions/index.js';

const repoRoot = path.resolve(__dirname, '../../..');
const table = (name: string): string[][] => fs.readFileSync(path.join(repoRoot, 'lab/hosts', name), 'utf8').split('\n')
  .filter((l) => l.trim() && !l.trimStart().startsWith('#')).map((l) => l.trim().split(/\s+/));

const rows = table('kubernetes.tsv');
const shapes = [...new Set(table('shapes.tsv').map(([s]) => s!))];

/** What write-config.sh picks for a shape (LAB_OS unset), run for real against the tables. */
function picked(shape: string, labOs = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-k8s-'));
  // The lines of write-config.sh that pick the row (from "shape=$LAB_SHAPE" to "K8S_MINOR=").
  const script = `set -euo pipefail; . lab/lib.sh; LAB_SHAPE=${JSON.stringify(shape)}; LAB_OS=${JSON.stringify(labOs)}
sed -n '/^shape=\\$LAB_SHAPE$/,/^K8S_MINOR=/p' lab/write-config.sh > "${dir}/pick.sh"
[ "$(wc -l < "${dir}/pick.sh")" -gt 5 ]
. "${dir}/pick.sh"; echo "$K8S_VERSION/$CONTAINERD_VERSION/$K8S_MINOR"`;
  try {
    return execFileSync('bash', ['-c', script], { cwd: repoRoot, env: { ...process.env, LAB_DIR: dir } }).toString().trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('lab/hosts/kubernetes.tsv', () => {
  it('every row names a version kinstall supports, the lab repository serves and the simulator knows', () => {
    const served = REPO_MINORS.flatMap((m) => m.kubernetes);
    for (const [shape, version, containerd] of rows) {
      expect(isSupportedKubernetes(version!), shape).toBe(true);
      expect(served, shape).toContain(version);
      expect(KNOWN_KUBEADM_RELEASES, shape).toContain(version);
      expect(containerd, shape).toMatch(/^(-|\d+\.\d+\.\d+)$/);
    }
  });

  it('names shapes that exist, and has the "*" row for the others', () => {
    for (const [shape] of rows) if (shape !== '*') expect(shapes).toContain(shape);
    expect(rows.map(([s]) => s)).toContain('*');
  });

  it('write-config.sh reads it: default 1.28.15 with containerd 1.6.20, k132 1.32.3 unpinned, LAB_OS and unlisted shapes the "*" row', () => {
    expect(picked('default')).toBe('1.28.15/1.6.20/v1.28');
    expect(picked('k132')).toBe('1.32.3//v1.32');
    expect(picked('mixed')).toBe('1.28.15//v1.28');
    expect(picked('k132', 'trixie trixie')).toBe('1.28.15//v1.28');
  });

  it('the 1.32 lab installs the real kubectl: the v1.32 repository\'s kubectl 1.32.3 is no simulator', () => {
    const v132 = REPO_MINORS.find((m) => m.minor === 'v1.32')!;
    const kubectl = packagesFor(v132).filter((p) => p.name === 'kubectl');
    expect(kubectl.map((p) => `${p.version} ${p.real ? 'real' : 'simulator'}`)).toEqual(['1.32.1-1.1 simulator', '1.32.3-1.1 real']);
    const real = kubectl.find((p) => p.real)!;
    expect(real.files).toEqual([{ path: '/usr/bin/kubectl', mode: 0o755, source: { kind: 'real-kubectl' } }]);
    expect(real.depends.join(' ')).not.toContain('nodejs');
  });
});
