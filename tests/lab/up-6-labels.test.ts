import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { lab, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall, kubectl, summaryByStep } from './up-support.js';

/**
 * Acceptance (issue 11 item 10): a node label and a taint from the inventory are on the node after
 * `up`, a changed label is converged by the next `up`, one that leaves the inventory is removed
 * (labels set by others stay), and a converged re-run changes nothing. Runs on the cluster the
 * previous up-* file left. Needs the simulators' `kubectl label/taint/annotate`.
 */

let l: LabDescription;
let inventory: string;

/** The lab inventory with node2's labels/taints replaced, written next to it (relative paths keep working). */
function writeInventory(labels: Record<string, string> | undefined, taints: { key: string; value?: string; effect: string }[] | undefined): void {
  const doc = parseDocument(fs.readFileSync(l.inventory, 'utf8'));
  const hosts = doc.get('hosts') as { items: { get(k: string): unknown; set(k: string, v: unknown): void; delete(k: string): void }[] };
  const node2 = hosts.items.find((h) => h.get('name') === 'node2')!;
  for (const [k, v] of [['labels', labels], ['taints', taints]] as const) {
    if (v === undefined) node2.delete(k);
    else node2.set(k, doc.createNode(v));
  }
  fs.writeFileSync(inventory, doc.toString());
}

const labelsOf = () => JSON.parse(kubectl(l, l.hosts[0]!, `get node node2 -o jsonpath='{.metadata.labels}'`)) as Record<string, string>;
const taintsOf = () => {
  const out = kubectl(l, l.hosts[0]!, `get node node2 -o jsonpath='{.spec.taints}'`).trim();
  return (out ? JSON.parse(out) : []) as { key: string; value?: string; effect: string }[];
};

beforeAll(() => {
  buildCli();
  l = lab();
  inventory = path.join(path.dirname(l.inventory), 'inventory-labels.yaml');
  const ready = kinstall('up', l.inventory);
  expect(ready.code, ready.stdout + ready.stderr).toBe(0);
});

afterAll(() => {
  if (inventory) {
    writeInventory(undefined, undefined);
    kinstall('up', inventory); // back to no labels/taints: removes what this file set
    fs.rmSync(inventory, { force: true });
  }
});

describe('node labels and taints', () => {
  it('are applied by up', () => {
    kubectl(l, l.hosts[0]!, 'label node node2 --overwrite someone-else=keep');
    writeInventory({ disk: 'ssd', 'node-role.kubernetes.io/worker': '' }, [{ key: 'dedicated', value: 'batch', effect: 'PreferNoSchedule' }]);
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(labelsOf()).toMatchObject({ disk: 'ssd', 'node-role.kubernetes.io/worker': '', 'someone-else': 'keep' });
    expect(taintsOf()).toContainEqual({ key: 'dedicated', value: 'batch', effect: 'PreferNoSchedule' });
  });

  it('a converged re-run changes nothing', () => {
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summaryByStep(r.stdout).get('node-metadata')).toBe('0 changed, 1 unchanged');
  });

  it('a changed label is converged; a dropped label and taint are removed, others kept', () => {
    writeInventory({ disk: 'nvme' }, undefined);
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const labels = labelsOf();
    expect(labels.disk).toBe('nvme');
    expect(labels).not.toHaveProperty('node-role.kubernetes.io/worker');
    expect(labels['someone-else']).toBe('keep');
    expect(taintsOf().find((t) => t.key === 'dedicated')).toBeUndefined();
    kubectl(l, l.hosts[0]!, 'label node node2 someone-else-');
  });
});
