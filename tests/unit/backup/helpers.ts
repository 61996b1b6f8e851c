import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Key text the tests plant in the archive's private keys: it must never reach stdout or the log. */
export const KEY_TEXT = '-----BEGIN RSA PRIVATE KEY-----\nTESTKEYMATERIAL\n-----END RSA PRIVATE KEY-----\n';

export const statusJson = '{"hash":3700164165,"revision":4242,"totalKey":612,"totalSize":3145728}';

/**
 * A backup archive as save.sh.hbs makes it, built with the system's GNU tar (so readTar is tested
 * against the real format). `ca` sets pki/ca.crt's content.
 */
export function makeArchive(o: { cluster?: string; ca?: string; manifest?: object | string; snapshot?: string } = {}): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-archive-'));
  try {
    fs.mkdirSync(path.join(dir, 'pki/etcd'), { recursive: true });
    const manifest = o.manifest ?? {
      kind: 'KinstallBackup', version: 1, cluster: o.cluster ?? 'lab', host: 'node1', createdAt: '2026-11-30T06:10:00Z',
      kubernetesVersion: '1.28.15', etcdVersion: '3.4.23', etcdImage: '10.77.255.1:5000/google_containers/etcd:3.5.15-0',
      snapshotStatus: JSON.parse(statusJson),
    };
    fs.writeFileSync(path.join(dir, 'kinstall-backup.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
    fs.writeFileSync(path.join(dir, 'snapshot.db'), o.snapshot ?? 'BOLTDB'.repeat(1000));
    fs.writeFileSync(path.join(dir, 'pki/ca.crt'), o.ca ?? 'CLUSTER CA\n');
    fs.writeFileSync(path.join(dir, 'pki/ca.key'), KEY_TEXT);
    fs.writeFileSync(path.join(dir, 'pki/etcd/ca.crt'), 'ETCD CA\n');
    fs.writeFileSync(path.join(dir, 'pki/etcd/ca.key'), KEY_TEXT);
    return execFileSync('tar', ['-C', dir, '-czf', '-', 'kinstall-backup.json', 'snapshot.db', 'pki']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
