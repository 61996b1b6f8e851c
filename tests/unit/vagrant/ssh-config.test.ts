import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshConfig, SshConfigError } from '../../../vagrant/ssh-config.js';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseSshConfig (vagrant ssh-config output)', () => {
  it('reads every VM block of the libvirt provider', () => {
    const hosts = parseSshConfig(fixture('ssh-config.txt'));
    expect(hosts.map((h) => h.name)).toEqual(['k8s-cp1', 'k8s-worker1']);
    expect(hosts[0]).toEqual({
      name: 'k8s-cp1',
      hostName: '192.168.121.148',
      port: 22,
      user: 'vagrant',
      identityFiles: ['/work/main/.vagrant/machines/k8s-cp1/libvirt/private_key'],
    });
  });

  it('keeps IdentityFile paths with spaces, quoted or not, in order', () => {
    const worker = parseSshConfig(fixture('ssh-config.txt'))[1];
    expect(worker?.identityFiles).toEqual([
      '/home/some user/kinstall/.vagrant/machines/k8s-worker1/libvirt/private_key',
      '/home/some user/.vagrant.d/insecure_private_key',
    ]);
  });

  it('reads the forwarded port of the virtualbox provider', () => {
    const [cp] = parseSshConfig(fixture('ssh-config-virtualbox.txt'));
    expect(cp).toMatchObject({ hostName: '127.0.0.1', port: 2222 });
  });

  it('accepts Keyword=value and any keyword case', () => {
    const [h] = parseSshConfig('host a\n hostname=10.0.0.1\n USER root\n identityfile = /k\n port=2200\n');
    expect(h).toEqual({ name: 'a', hostName: '10.0.0.1', port: 2200, user: 'root', identityFiles: ['/k'] });
  });

  it('rejects blocks kinstall cannot log in with', () => {
    expect(() => parseSshConfig('Host a\n  HostName 10.0.0.1\n  User vagrant\n')).toThrow(/host a \(line 1\): no IdentityFile/);
    expect(() => parseSshConfig('Host a\n  User vagrant\n  IdentityFile /k\n')).toThrow(/no HostName/);
    expect(() => parseSshConfig('Host a\n  HostName h\n  IdentityFile /k\n')).toThrow(/no User/);
  });

  it('rejects text that is not vagrant ssh-config output', () => {
    expect(() => parseSshConfig('  HostName 10.0.0.1\n')).toThrow(SshConfigError);
    expect(() => parseSshConfig('The provider for this Vagrant-managed machine is reporting that it\n')).toThrow(/before any Host line/);
    expect(() => parseSshConfig('Host a b\n')).toThrow(/one VM name/);
    expect(() => parseSshConfig('Host a\n HostName h\n User u\n IdentityFile /k\n Port 0\n')).toThrow(/bad Port/);
    expect(() => parseSshConfig('Host a\n HostName h\n User u\n IdentityFile /k\nHost a\n HostName h\n User u\n IdentityFile /k\n')).toThrow(/appears twice/);
  });

  it('returns nothing when no VM is up', () => {
    expect(parseSshConfig('')).toEqual([]);
  });
});
