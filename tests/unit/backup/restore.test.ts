import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readBackupArchive } from '../../../src/backup/archive.js';
import { checkArchiveFits, compactUtc, restoreTarget, runRestore } from '../../../src/backup/restore.js';
import { main } from '../../../src/cli/main.js';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { sha256 } from '../../../src/steps/remote.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { fakeHost } from '../steps/fakes.js';
import { labCluster } from '../steps/inventories.js';
import { makeArchive, statusJson } from './helpers.js';

const cp = labCluster().hosts[0]!;
const probe = (extra = '') => `manifest=in-place\nimage=reg/etcd:3.5.15-0\nimage_present=yes\nname=node1\ninitial_cluster=node1=https://10.77.0.11:2380\npeer_urls=https://10.77.0.11:2380\ndata_dir=/var/lib/etcd\ndata=yes\npki_present=ca.crt\npki_present=etcd/ca.crt\nca_sha256=ca.crt:${sha256('CLUSTER CA\n')}\n${extra}`;

function controlPlane(probeOut = probe()) {
  const remote = new FakeRemote('node1');
  remote.responders.push((script) => {
    if (script.includes('READ-ONLY')) return { stdout: probeOut };
    if (script.includes('snapshot restore')) return { stdout: `status.b64=${Buffer.from(statusJson).toString('base64')}\nbefore=/var/lib/etcd.before-restore-20261130T062000Z\ndata_dir=/var/lib/etcd\nname=node1\npki_written=ca.key\nreadyz=ok\n` };
    return undefined;
  });
  return remote;
}
const now = new Date('2026-11-30T06:20:00.123Z');

describe('kinstall restore', () => {
  it('refuses an inventory with more than one control plane, pointing at the HA limits (exit 2)', () => {
    const hosts = [fakeHost('cp1', ['control-plane']), fakeHost('cp2', ['control-plane']), fakeHost('w1', ['worker'])];
    const err = (() => { try { restoreTarget(hosts); } catch (e) { return e as KinstallError; } })();
    expect(err?.exitCode).toBe(ExitCode.usage);
    expect(err?.message).toContain('exactly one control plane; this inventory has 2 (cp1, cp2)');
    expect(err?.hint).toMatch(/multi-member restore/);
    expect(restoreTarget([hosts[0]!, hosts[2]!]).name).toBe('cp1');
  });

  it('names the moved-aside data with the UTC time', () => {
    expect(compactUtc(now)).toBe('20261130T062000Z');
  });

  it('--dry-run checks the archive, probes read-only and prints the plan; nothing uploaded or run', async () => {
    const remote = controlPlane();
    const lines = await runRestore(remote, { cluster: 'lab', host: cp, archive: makeArchive(), archiveFile: 'b.tar.gz', dryRun: true, now });
    expect(remote.execs).toHaveLength(1);
    expect(remote.execs[0]!.script).toContain('READ-ONLY');
    expect(remote.uploads).toEqual([]);
    const text = lines.join('\n');
    expect(text).toContain('Plan (dry run: nothing was changed) for node1:');
    expect(text).toContain('move /var/lib/etcd to /var/lib/etcd.before-restore-20261130T062000Z (kept, never deleted)');
    expect(text).toContain('--name node1 --initial-cluster node1=https://10.77.0.11:2380 --initial-advertise-peer-urls https://10.77.0.11:2380 --data-dir /var/lib/etcd');
    expect(text).toContain('write the PKI files missing on the host from the archive: ca.key, etcd/ca.key');
    expect(text).toContain('wait for https://10.77.0.11:6443/readyz');
  });

  it('uploads the archive 0600 as a secret into the 0700 work dir, restores, and reports where the old data is', async () => {
    const remote = controlPlane();
    const archive = makeArchive();
    const lines = await runRestore(remote, { cluster: 'lab', host: cp, archive, archiveFile: 'b.tar.gz', dryRun: false, now });
    expect(remote.uploads).toEqual([expect.objectContaining({ path: '/etc/kubernetes/kinstall/restore/archive.tar.gz', mode: 0o600, secret: true })]);
    const scripts = remote.execs.map((e) => e.script);
    expect(scripts[1]).toContain('chmod 700 /etc/kubernetes/kinstall/restore');
    expect(scripts[2]).toContain("stamp=20261130T062000Z");
    expect(lines.join('\n')).toContain('the data before the restore: /var/lib/etcd.before-restore-20261130T062000Z (kept');
    expect(lines.join('\n')).toContain('PKI files written from the archive (they were missing): ca.key');
  });

  it('refuses a backup of another cluster before touching the host', async () => {
    const remote = controlPlane();
    await expect(runRestore(remote, { cluster: 'prod', host: cp, archive: makeArchive(), archiveFile: 'b.tar.gz', dryRun: false, now }))
      .rejects.toThrow(/b\.tar\.gz is a backup of cluster lab, not of prod/);
    expect(remote.uploads).toEqual([]);
  });

  it('refuses when a CA on the host differs from the archive\'s (exit 1), before anything changes', async () => {
    const remote = controlPlane();
    const err = await runRestore(remote, { cluster: 'lab', host: cp, archive: makeArchive({ ca: 'ANOTHER CA\n' }), archiveFile: 'b.tar.gz', dryRun: false, now }).then(() => undefined, (e: unknown) => e as KinstallError);
    if (!err) expect.unreachable();
    expect(err.exitCode).toBe(ExitCode.checksFailed);
    expect(err.message).toContain('/etc/kubernetes/pki/ca.crt on the host differs from the one in b.tar.gz');
    expect(remote.execs).toHaveLength(1);
    expect(remote.uploads).toEqual([]);
    // A CA missing on the host is no conflict: it is written from the archive.
    expect(() => checkArchiveFits(readBackupArchive(makeArchive({ ca: 'X' }), 'b'), { cluster: 'lab', host: 'node1', archiveFile: 'b' }, new Map())).not.toThrow();
  });

  it('says so when the host runs no kubeadm local etcd', async () => {
    const remote = controlPlane('manifest=none\n');
    await expect(runRestore(remote, { cluster: 'lab', host: cp, archive: makeArchive(), archiveFile: 'b.tar.gz', dryRun: true, now })).rejects.toThrow(/no etcd static pod manifest/);
  });

  it('the plan says when it finishes an interrupted restore', async () => {
    const remote = controlPlane(probe('restore_work=yes\n').replace('manifest=in-place', 'manifest=aside'));
    const lines = await runRestore(remote, { cluster: 'lab', host: cp, archive: makeArchive(), archiveFile: 'b.tar.gz', dryRun: true, now });
    expect(lines.join('\n')).toContain('an interrupted restore is finished');
  });
});

describe('kinstall restore (CLI)', () => {
  let dir: string;
  const err: string[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-restore-cli-'));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    err.length = 0;
    process.exitCode = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('off a terminal without --yes it refuses (exit 5) before connecting to anything', async () => {
    const archive = path.join(dir, 'b.tar.gz');
    fs.writeFileSync(archive, makeArchive());
    const isTTY = process.stdin.isTTY;
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      const inv = path.resolve('inventories/lab.yaml');
      expect(await main(['node', 'kinstall', 'restore', inv, archive])).toBe(ExitCode.aborted);
    } finally {
      Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
    }
    expect(err.join('')).toMatch(/refusing without a terminal to ask on\n {2}fix: pass --yes/);
  });

  it('an unreadable archive is a usage error (exit 2)', async () => {
    expect(await main(['node', 'kinstall', 'restore', path.resolve('inventories/lab.yaml'), path.join(dir, 'missing.tar.gz'), '--yes'])).toBe(ExitCode.usage);
    expect(err.join('')).toContain('cannot read the archive');
  });
});
