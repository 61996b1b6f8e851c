import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderBackupCleanup, runBackup } from '../../../src/backup/backup.js';
import { KinstallError } from '../../../src/errors.js';
import { RunLog } from '../../../src/log.js';
import { sha256 } from '../../../src/steps/remote.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { labCluster } from '../steps/inventories.js';
import { KEY_TEXT, makeArchive, statusJson } from './helpers.js';

const cp = labCluster().hosts[0]!;
const work = '/var/tmp/kinstall-backup.Ab12Cd';

/** The control plane as save.sh answers; the archive it "made" is served by download(). */
function controlPlane(archive: Buffer, o: { sha?: string } = {}) {
  const log = new RunLog(path.join(dir, 'run.log'));
  const remote = new FakeRemote('node1', log);
  remote.responders.push((script) => {
    if (script.includes('snapshot save')) {
      return {
        stdout: [`work=${work}`, `archive=${work}/backup.tar.gz`, `sha256=${o.sha ?? sha256(archive)}`, 'created=2026-11-30T06:10:00Z',
          'kubernetes_version=1.28.15', 'etcd_version=3.4.23', 'image=reg/etcd:3.5.15-0', `status.b64=${Buffer.from(statusJson).toString('base64')}`,
          'pki=ca.crt', 'pki=ca.key', 'pki=etcd/ca.crt', 'pki=etcd/ca.key'].join('\n'),
      };
    }
    if (script.includes('etcd_image_of "$em"') && script.includes('image_present')) {
      return { stdout: 'manifest=in-place\nimage=reg/etcd:3.5.15-0\nimage_present=yes\npki_present=ca.crt\npki_present=ca.key\n' };
    }
    return undefined;
  });
  // FakeRemote keeps text; the archive is binary: serve it as is.
  remote.download = async (p: string) => (p === `${work}/backup.tar.gz` ? archive : undefined);
  return { remote, log };
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-backup-test-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('kinstall backup', () => {
  it('writes <cluster>-<time>-v<version>.tar.gz with mode 0600, verified, and removes the host copy', async () => {
    const archive = makeArchive();
    const { remote, log } = controlPlane(archive);
    const out = path.join(dir, 'out');
    const r = await runBackup(remote, { cluster: 'lab', host: cp, outputDir: out, dryRun: false });
    log.close();
    expect(r.file).toBe(path.join(out, 'lab-20261130T061000Z-v1.28.15.tar.gz'));
    expect(fs.statSync(r.file!).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(r.file!)).toEqual(archive);
    expect(r.lines.join('\n')).toContain('etcd snapshot verified: revision 4242, 612 keys, 3145728 bytes, hash 3700164165');
    expect(r.lines.join('\n')).toContain('holds the cluster CA private keys');
    expect(remote.execs.at(-1)!.script).toContain(`rm -rf -- ${work}`);
    // No key material in what is printed nor in the run log.
    expect(r.lines.join('\n')).not.toContain('TESTKEYMATERIAL');
    expect(fs.readFileSync(path.join(dir, 'run.log'), 'utf8')).not.toContain(KEY_TEXT.split('\n')[1]);
  });

  it('a download that differs from the host\'s archive fails, writes nothing, and still removes the host copy', async () => {
    const { remote, log } = controlPlane(makeArchive(), { sha: 'f'.repeat(64) });
    const out = path.join(dir, 'out');
    await expect(runBackup(remote, { cluster: 'lab', host: cp, outputDir: out, dryRun: false })).rejects.toThrow(/sha256 differs/);
    log.close();
    expect(fs.existsSync(out)).toBe(false);
    expect(remote.execs.at(-1)!.script).toContain(`rm -rf -- ${work}`);
  });

  it('refuses to overwrite an archive of the same name', async () => {
    const archive = makeArchive();
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'lab-20261130T061000Z-v1.28.15.tar.gz'), 'older');
    const { remote, log } = controlPlane(archive);
    await expect(runBackup(remote, { cluster: 'lab', host: cp, outputDir: out, dryRun: false })).rejects.toThrow(/exists already/);
    log.close();
    expect(fs.readFileSync(path.join(out, 'lab-20261130T061000Z-v1.28.15.tar.gz'), 'utf8')).toBe('older');
  });

  it('--dry-run runs only the read-only probe and writes nothing (no file, no directory)', async () => {
    const { remote, log } = controlPlane(makeArchive());
    const out = path.join(dir, 'out');
    const r = await runBackup(remote, { cluster: 'lab', host: cp, outputDir: out, dryRun: true });
    log.close();
    expect(remote.execs).toHaveLength(1);
    expect(remote.execs[0]!.script).toContain('READ-ONLY');
    expect(remote.uploads).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
    expect(r.file).toBeUndefined();
    expect(r.lines.join('\n')).toContain('from the etcd image reg/etcd:3.5.15-0');
    expect(r.lines.join('\n')).toContain(`${path.join(out, 'lab-<UTC yyyymmddThhmmssZ>-v<Kubernetes version>.tar.gz')} (0600)`);
  });

  it('the dry run says when the etcd image is not in containerd', async () => {
    const remote = new FakeRemote('node1');
    remote.responders.push(() => ({ stdout: 'manifest=in-place\nimage=reg/etcd:3.5.15-0\nimage_present=no\n' }));
    const r = await runBackup(remote, { cluster: 'lab', host: cp, outputDir: dir, dryRun: true });
    expect(r.lines.join('\n')).toContain('BLOCKED: the image is not in containerd');
  });

  it('a failing save script is an error naming the host, and nothing is downloaded', async () => {
    const remote = new FakeRemote('node1');
    remote.responders.push(() => ({ code: 3, stderr: 'the etcd image reg/etcd:3.5.15-0 (the image: of the etcd static pod manifest) is not in containerd\'s k8s.io namespace' }));
    const err = await runBackup(remote, { cluster: 'lab', host: cp, outputDir: dir, dryRun: false }).catch((e) => e);
    expect(err).toBeInstanceOf(KinstallError);
    expect((err as KinstallError).format()).toMatch(/^node1: backup: etcd snapshot and archive exited with 3: the etcd image .* is not in containerd/);
    expect(remote.execs).toHaveLength(1);
  });

  it('cleanup removes only a directory save.sh made', () => {
    expect(renderBackupCleanup(work)).toContain(`rm -rf -- ${work}`);
    expect(() => renderBackupCleanup('/')).toThrow(/not a kinstall backup directory/);
    expect(() => renderBackupCleanup('/var/tmp/kinstall-backup.x/../../etc')).toThrow();
  });
});
