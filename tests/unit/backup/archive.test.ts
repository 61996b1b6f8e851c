import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveName, readBackupArchive, readTar } from '../../../src/backup/archive.js';
import { KinstallError } from '../../../src/errors.js';
import { makeArchive } from './helpers.js';

describe('backup archive', () => {
  it('names the archive <cluster>-<UTC yyyymmddThhmmssZ>-v<version>.tar.gz', () => {
    expect(archiveName('lab', '2026-11-30T06:10:00Z', '1.28.15')).toBe('lab-20261130T061000Z-v1.28.15.tar.gz');
    expect(archiveName('lab', '2026-11-30T06:10:00Z', 'unknown')).toBe('lab-20261130T061000Z-vunknown.tar.gz');
    expect(() => archiveName('lab', 'yesterday', '1.28.15')).toThrow(/unexpected backup time/);
  });

  it('reads what GNU tar writes, long names included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-tar-'));
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    fs.mkdirSync(path.join(dir, 'd'.repeat(120)));
    fs.writeFileSync(path.join(dir, long), 'long');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(1500, 7));
    const tar = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
    fs.rmSync(dir, { recursive: true });
    const files = readTar(tar);
    expect(files.get(long)?.toString()).toBe('long');
    expect(files.get('empty')?.length).toBe(0);
    expect(files.get('big')).toEqual(Buffer.alloc(1500, 7));
    expect([...files.keys()].sort()).toEqual(['big', 'empty', long].sort());
  });

  it('accepts a kinstall backup and returns its manifest and PKI', () => {
    const a = readBackupArchive(makeArchive(), 'x.tar.gz');
    expect(a.manifest.cluster).toBe('lab');
    expect(a.manifest.snapshotStatus.revision).toBe(4242);
    expect(a.files.get('pki/etcd/ca.crt')?.toString()).toBe('ETCD CA\n');
  });

  it.each([
    ['not gzip', Buffer.from('hello'), /does not read as a \.tar\.gz/],
    ['a tar.gz without the manifest', zlib.gzipSync(Buffer.alloc(1024)), /no kinstall-backup\.json/],
    ['a manifest that is not JSON', makeArchive({ manifest: '{nope' }), /is not JSON/],
    ['a manifest of another kind', makeArchive({ manifest: { kind: 'Other' } }), /kind/],
    ['an empty snapshot', makeArchive({ snapshot: '' }), /no snapshot\.db/],
  ])('refuses %s (exit 2, saying what it is not)', (_, data, why) => {
    try {
      readBackupArchive(data, 'x.tar.gz');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KinstallError);
      expect((err as KinstallError).exitCode).toBe(2);
      expect((err as KinstallError).message).toMatch(/^x\.tar\.gz is not a kinstall backup archive/);
      expect((err as KinstallError).message).toMatch(why);
    }
  });
});
