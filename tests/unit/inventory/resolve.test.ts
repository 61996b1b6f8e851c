import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventoryText } from '../../../src/inventory/load.js';
import { inventoryText } from './helpers.js';

function hostsOf(text: string, opts: { file?: string; env?: Record<string, string> } = {}) {
  const result = loadInventoryText(text, opts.file ?? '/srv/clusters/prod/inv.yaml', { env: opts.env ?? {}, homeDir: '/home/op' });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.hosts;
}

describe('host resolution', () => {
  it('applies built-in defaults', () => {
    const [cp1, w1] = hostsOf(inventoryText());
    expect(cp1).toMatchObject({
      name: 'cp1',
      address: '192.168.1.10',
      internalAddress: '192.168.1.10',
      roles: ['control-plane'],
      isControlPlane: true,
      isWorker: false,
      setHostname: true,
      labels: {},
      source: { file: '/srv/clusters/prod/inv.yaml', line: 5, col: 5 },
    });
    expect(cp1!.ssh).toEqual({
      user: 'root',
      port: 22,
      knownHostsFile: '/home/op/.ssh/known_hosts',
      hostKeyPolicy: 'strict',
      connectTimeoutSeconds: 10,
      identityFile: '/home/op/.ssh/id_ed25519',
    });
    expect(w1).toMatchObject({ isControlPlane: false, isWorker: true, source: { line: 6 } });
  });

  it('uses the agent by default when SSH_AUTH_SOCK is set', () => {
    const [cp1] = hostsOf(inventoryText(), { env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } });
    expect(cp1!.ssh.agent).toBe(true);
    expect(cp1!.ssh.identityFile).toBeUndefined();
  });

  it('no default key when a password or the agent is configured', () => {
    const [cp1] = hostsOf(inventoryText({ extra: ['ssh: {passwordEnv: KPASS}'] }));
    expect(cp1!.ssh).toMatchObject({ passwordEnv: 'KPASS' });
    expect(cp1!.ssh.identityFile).toBeUndefined();
    expect(cp1!.ssh.agent).toBeUndefined();
  });

  it('merges cluster ssh settings with host overrides, host wins', () => {
    const text = inventoryText({
      hosts: [
        '  - {name: cp1, address: 192.168.1.10, roles: [control-plane], ssh: {user: admin, port: 2222}, setHostname: false, labels: {zone: a}}',
        '  - {name: w1, address: 192.168.1.11, internalAddress: 10.0.0.11, roles: [worker, control-plane]}',
      ],
      kubernetes: ['  version: 1.28.15', '  controlPlaneEndpoint: lb.example.com:6443'],
      extra: ['ssh: {user: ops, sudoPasswordEnv: SUDO, hostKeyPolicy: accept-new, connectTimeoutSeconds: 30}'],
    });
    const [cp1, w1] = hostsOf(text);
    expect(cp1!.ssh).toMatchObject({ user: 'admin', port: 2222, sudoPasswordEnv: 'SUDO', hostKeyPolicy: 'accept-new', connectTimeoutSeconds: 30 });
    expect(cp1).toMatchObject({ setHostname: false, labels: { zone: 'a' } });
    expect(w1!.ssh).toMatchObject({ user: 'ops', port: 22 });
    expect(w1).toMatchObject({ internalAddress: '10.0.0.11', isControlPlane: true, isWorker: true });
  });

  it('resolves relative paths against the inventory directory and expands ~', () => {
    const text = inventoryText({
      extra: ['ssh:', '  identityFile: ../.lab/id_ed25519', '  knownHostsFile: known_hosts', '  bastion: {address: 203.0.113.5, identityFile: ~/.ssh/jump}'],
    });
    const [cp1] = hostsOf(text, { file: 'inventories/lab.yaml' });
    expect(cp1!.ssh.identityFile).toBe(path.resolve('.lab/id_ed25519'));
    expect(cp1!.ssh.knownHostsFile).toBe(path.resolve('inventories/known_hosts'));
    expect(cp1!.ssh.bastion).toEqual({ address: '203.0.113.5', identityFile: '/home/op/.ssh/jump' });
  });

  it('a host bastion replaces the cluster bastion', () => {
    const text = inventoryText({
      hosts: ['  - {name: cp1, address: 192.168.1.10, roles: [control-plane], ssh: {bastion: {address: 198.51.100.1}}}'],
      extra: ['ssh: {bastion: {address: 203.0.113.5, user: jump}}'],
    });
    const [cp1] = hostsOf(text);
    expect(cp1!.ssh.bastion).toEqual({ address: '198.51.100.1' });
  });
});
