import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkScanMatchesConsole,
  HostKeyError,
  isWellFormed,
  knownHostsLines,
  parseConsoleHostKeys,
  parseKeyscan,
} from '../../../vagrant/host-keys.js';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const consoleKeys = () => parseConsoleHostKeys(fixture('console-k8s-cp1.log'));
const keyOf = (keyscanLine: string) => keyscanLine.split(' ')[2] ?? '';

describe('host keys from the serial console', () => {
  it('takes the keys of the last boot, one per type, without the CR of the console', () => {
    const keys = consoleKeys();
    expect(keys.map((k) => k.type).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);
    // The first boot printed another ed25519 key; the later line wins.
    const ed = keys.find((k) => k.type === 'ssh-ed25519');
    expect(ed?.key).toBe(keyOf(fixture('keyscan-k8s-cp1.txt').split('\n')[1] ?? ''));
    expect(keys.every((k) => !k.key.includes('\r'))).toBe(true);
  });

  it('rejects a console line whose key is garbled', () => {
    const good = fixture('console-k8s-cp1.log');
    const garbled = good.replace(/(kinstall-hostkey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI)C/, '$1[  OK  ]');
    expect(() => parseConsoleHostKeys(garbled)).toThrow(HostKeyError);
    // A blob that claims another type than the line says.
    expect(() => parseConsoleHostKeys(`kinstall-hostkey: ssh-rsa ${consoleKeys()[0]?.key}`)).toThrow(/not a valid public key/);
  });

  it('finds nothing in a console without the box marker', () => {
    expect(parseConsoleHostKeys('Debian GNU/Linux 12 k8s-cp1 ttyS0\r\n')).toEqual([]);
  });
});

describe('ssh-keyscan output', () => {
  it('skips comments and reads every key', () => {
    expect(parseKeyscan(fixture('keyscan-k8s-cp1.txt')).map((k) => k.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });

  it('rejects lines that are not host keys', () => {
    expect(() => parseKeyscan('192.168.56.10 ssh-ed25519 not-base64!\n')).toThrow(HostKeyError);
  });
});

describe('checkScanMatchesConsole', () => {
  it('accepts an address offering a subset of the console keys', () => {
    expect(() => checkScanMatchesConsole('k8s-cp1', '192.168.56.10', consoleKeys(), parseKeyscan(fixture('keyscan-k8s-cp1.txt')))).not.toThrow();
  });

  it('refuses a key the VM did not print (another machine on that address)', () => {
    expect(() => checkScanMatchesConsole('k8s-cp1', '192.168.56.10', consoleKeys(), parseKeyscan(fixture('keyscan-other-machine.txt')))).toThrow(
      /offers ssh-ed25519 key\(s\) that k8s-cp1 did not print on its console/,
    );
  });

  it('refuses an empty console or an empty scan rather than trusting nothing', () => {
    const scanned = parseKeyscan(fixture('keyscan-k8s-cp1.txt'));
    expect(() => checkScanMatchesConsole('k8s-cp1', '192.168.56.10', [], scanned)).toThrow(/no host keys on its console/);
    expect(() => checkScanMatchesConsole('k8s-cp1', '192.168.56.10', consoleKeys(), [])).toThrow(/returned no keys/);
  });
});

describe('known_hosts lines', () => {
  it('uses the bare address on port 22 and [address]:port otherwise', () => {
    const [ed] = parseKeyscan(fixture('keyscan-k8s-cp1.txt'));
    if (!ed) throw new Error('fixture has no key');
    expect(knownHostsLines('192.168.56.10', 22, [ed])).toEqual([`192.168.56.10 ssh-ed25519 ${ed.key}`]);
    expect(knownHostsLines('127.0.0.1', 2222, [ed])).toEqual([`[127.0.0.1]:2222 ssh-ed25519 ${ed.key}`]);
  });

  it('checks the type inside the key blob', () => {
    const [ed] = parseKeyscan(fixture('keyscan-k8s-cp1.txt'));
    expect(isWellFormed({ type: 'ssh-ed25519', key: ed?.key ?? '' })).toBe(true);
    expect(isWellFormed({ type: 'ecdsa-sha2-nistp256', key: ed?.key ?? '' })).toBe(false);
    expect(isWellFormed({ type: 'ssh-ed25519', key: 'AAAA' })).toBe(false);
  });
});
