import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labScript, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall, kubectl, summaryByStep } from './up-support.js';

/**
 * Acceptance (issue 4): adding a 4th host to a converged cluster's inventory and re-running
 * prepares and joins only that host. Runs on the cluster the previous up-* file left.
 */

let l: LabDescription;
beforeAll(() => {
  buildCli();
  l = lab();
  const ready = kinstall('up', l.inventory); // converged cluster on node1..3 (resumes if needed)
  expect(ready.code, ready.stdout + ready.stderr).toBe(0);
  labScript('up', [], { LAB_HOSTS: '4' });
  l = lab();
});

afterAll(() => {
  // Back to the 3-host lab (node4 is stopped and discarded).
  labScript('up', [], { LAB_HOSTS: '3' });
});

describe('adding a worker', () => {
  it('only node4 changes; it joins and becomes Ready', () => {
    expect(l.hosts.map((h) => h.name)).toEqual(['node1', 'node2', 'node3', 'node4']);
    const r = kinstall('up', l.inventory);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const changed = r.stdout.slice(r.stdout.indexOf('What changed:'), r.stdout.search(/^finished in/m));
    const hostsChanged = [...changed.matchAll(/^ {2}(node\d): changed$/gm)].map((m) => m[1]);
    expect(hostsChanged.length).toBeGreaterThan(0);
    expect(new Set(hostsChanged)).toEqual(new Set(['node4']));
    const summary = summaryByStep(r.stdout);
    expect(summary.get('prepare-host')).toBe('1 changed, 3 unchanged');
    expect(summary.get('join-workers')).toBe('1 changed, 2 unchanged');
    expect(summary.get('init')).toBe('0 changed, 1 unchanged');
    const ready = kubectl(l, l.hosts[0]!, `get node node4 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'`);
    expect(ready).toBe('True');
  });
});
