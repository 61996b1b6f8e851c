import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inventorySchema } from '../../../src/inventory/schema.js';
import { patchInventory } from '../../../vagrant/inventory-patch.js';
import { parseSshConfig } from '../../../vagrant/ssh-config.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const vagrantInventory = fs.readFileSync(path.join(repo, 'inventories/vagrant.yaml'), 'utf8');
const vms = parseSshConfig(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'ssh-config.txt'), 'utf8'));

describe('patchInventory', () => {
  it('gives each running VM its Vagrant user and generated key, and the cluster the known_hosts file', () => {
    const result = patchInventory(vagrantInventory, vms, '/tmp/kh');
    const inventory = inventorySchema.parse(parse(result.yaml));
    expect(inventory.ssh).toMatchObject({ knownHostsFile: '/tmp/kh', hostKeyPolicy: 'strict' });
    expect(inventory.hosts.map((h) => [h.name, h.address, h.ssh?.user, h.ssh?.identityFile])).toEqual([
      ['k8s-cp1', '192.168.56.10', 'vagrant', '/work/main/.vagrant/machines/k8s-cp1/libvirt/private_key'],
      ['k8s-worker1', '192.168.56.11', 'vagrant', '/home/some user/kinstall/.vagrant/machines/k8s-worker1/libvirt/private_key'],
    ]);
    expect(result.hosts).toEqual([
      { name: 'k8s-cp1', address: '192.168.56.10' },
      { name: 'k8s-worker1', address: '192.168.56.11' },
    ]);
  });

  it('leaves out inventory hosts with no VM (fewer KINSTALL_WORKERS) and says which', () => {
    const result = patchInventory(vagrantInventory, vms, '/tmp/kh');
    expect(result.dropped).toEqual(['k8s-worker2']);
    expect(result.yaml).not.toContain('k8s-worker2');
  });

  it('keeps the comments of the source inventory', () => {
    expect(patchInventory(vagrantInventory, vms, '/tmp/kh').yaml).toContain('# Debian 12\'s containerd 1.6.20 supports Kubernetes up to 1.28');
  });

  it('refuses a VM the inventory does not describe', () => {
    const extra = [...vms, { name: 'k8s-worker9', hostName: '10.0.0.9', port: 22, user: 'vagrant', identityFiles: ['/k'] }];
    expect(() => patchInventory(vagrantInventory, extra, '/tmp/kh')).toThrow(/k8s-worker9 are not in the inventory/);
  });

  it('refuses when no VM is up', () => {
    expect(() => patchInventory(vagrantInventory, [], '/tmp/kh')).toThrow(/no inventory host has a running VM/);
  });

  it('refuses a file without hosts', () => {
    expect(() => patchInventory('apiVersion: kinstall/v1alpha1\n', vms, '/tmp/kh')).toThrow(/no hosts list/);
  });
});
