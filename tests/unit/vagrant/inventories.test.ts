import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/load.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const vagrantfile = fs.readFileSync(path.join(repo, 'Vagrantfile'), 'utf8');

function hostsOf(file: string) {
  const result = loadInventory(path.join(repo, 'inventories', file));
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.col} ${p.message}`).join('\n'));
  return result.inventory.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles }));
}

describe('inventories of the Vagrant VMs', () => {
  it('are valid and describe the same machines', () => {
    expect(hostsOf('vagrant-lab.yaml')).toEqual(hostsOf('vagrant.yaml'));
  });

  it('match the Vagrantfile defaults: k8s-cp1 at NET.10, k8s-workerN at NET.(10+N), 2 workers', () => {
    const net = /KINSTALL_NET", "([\d.]+)"/.exec(vagrantfile)?.[1];
    const workers = Number(/env_int\("KINSTALL_WORKERS", (\d+)\)/.exec(vagrantfile)?.[1]);
    expect(vagrantfile).toContain('["k8s-cp1", "#{NET}.10"');
    expect(vagrantfile).toContain('["k8s-worker#{i}", "#{NET}.#{10 + i}"');
    expect(hostsOf('vagrant.yaml')).toEqual([
      { name: 'k8s-cp1', address: `${net}.10`, roles: ['control-plane'] },
      ...Array.from({ length: workers }, (_, i) => ({ name: `k8s-worker${i + 1}`, address: `${net}.${11 + i}`, roles: ['worker'] })),
    ]);
  });

  it('log in as Vagrant\'s user with strict host keys', () => {
    for (const file of ['vagrant.yaml', 'vagrant-lab.yaml']) {
      const result = loadInventory(path.join(repo, 'inventories', file));
      if (!result.ok) throw new Error(file);
      expect(result.inventory.ssh).toMatchObject({ user: 'vagrant', hostKeyPolicy: 'strict' });
    }
  });
});
