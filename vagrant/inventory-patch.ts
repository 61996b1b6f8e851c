/**
 * Turns inventories/vagrant*.yaml (the VMs' names and fixed private addresses) into an inventory
 * for the VMs that are actually up: each host gets the login user and the key Vagrant generated
 * for it, the cluster gets the known_hosts file written from the VMs' host keys. Comments and
 * layout of the source inventory are kept (yaml Document API).
 */
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { VagrantSshHost } from './ssh-config.js';

export class InventoryPatchError extends Error {}

export interface PatchResult {
  yaml: string;
  /** name → fixed address of every host kept (the VMs that are up). */
  hosts: { name: string; address: string }[];
  /** Inventory hosts with no running VM (fewer workers than the inventory lists); left out. */
  dropped: string[];
}

export function patchInventory(sourceYaml: string, vms: VagrantSshHost[], knownHostsFile: string): PatchResult {
  const doc = parseDocument(sourceYaml);
  if (doc.errors.length > 0) throw new InventoryPatchError(`inventory is not valid YAML: ${doc.errors[0]?.message}`);
  const hostsNode = doc.get('hosts');
  if (!isSeq(hostsNode)) throw new InventoryPatchError('inventory has no hosts list');

  const byName = new Map(vms.map((vm) => [vm.name, vm]));
  const kept: PatchResult['hosts'] = [];
  const dropped: string[] = [];
  const inventoryNames = new Set<string>();

  for (let i = hostsNode.items.length - 1; i >= 0; i--) {
    const host = hostsNode.items[i];
    if (!isMap(host)) throw new InventoryPatchError(`hosts[${i}] is not a mapping`);
    const name = String(host.get('name'));
    const address = String(host.get('address'));
    inventoryNames.add(name);
    const vm = byName.get(name);
    if (!vm) {
      hostsNode.items.splice(i, 1);
      dropped.unshift(name);
      continue;
    }
    const identityFile = vm.identityFiles[0] as string; // parseSshConfig guarantees one
    setSsh(host, { user: vm.user, identityFile });
    kept.unshift({ name, address });
  }

  const unknown = vms.filter((vm) => !inventoryNames.has(vm.name)).map((vm) => vm.name);
  if (unknown.length > 0) {
    throw new InventoryPatchError(`VM(s) ${unknown.join(', ')} are not in the inventory: add them (name and fixed address from the Vagrantfile) or lower KINSTALL_WORKERS`);
  }
  if (kept.length === 0) throw new InventoryPatchError('no inventory host has a running VM (is `vagrant up` done?)');

  doc.setIn(['ssh', 'knownHostsFile'], knownHostsFile);
  doc.setIn(['ssh', 'hostKeyPolicy'], 'strict');
  return { yaml: doc.toString(), hosts: kept, dropped };
}

function setSsh(host: YAMLMap, settings: { user: string; identityFile: string }): void {
  // Flow-style hosts ({name: ..., address: ...}) stay readable with a block ssh map, so switch
  // the host to block style once it grows.
  host.flow = false;
  host.setIn(['ssh', 'user'], settings.user);
  host.setIn(['ssh', 'identityFile'], settings.identityFile);
}
