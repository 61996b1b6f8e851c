import zlib from 'node:zlib';
import { z } from 'zod';
import { ExitCode, KinstallError } from '../errors.js';

/**
 * The kinstall backup archive (a .tar.gz made on the control plane by templates/steps/backup/
 * save.sh.hbs): kinstall-backup.json, snapshot.db and pki/ (the files below). Read here before a
 * restore uploads it, so a wrong or foreign file is refused on the workstation.
 */

/** The PKI kubeadm needs to rebuild a control plane (every other certificate is issued from these). */
export const pkiFiles = ['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key'] as const;
/** The CA certificates a restore compares with the host's: a difference means another cluster. */
export const caFiles = ['ca.crt', 'front-proxy-ca.crt', 'etcd/ca.crt'] as const;

/** `etcdutl snapshot status -w json` (etcdctl's on 3.4): etcd's snapshot.Status. */
export const snapshotStatusSchema = z.object({
  hash: z.number(),
  revision: z.number(),
  totalKey: z.number(),
  totalSize: z.number(),
}).loose();
export type SnapshotStatus = z.infer<typeof snapshotStatusSchema>;

export const backupManifestSchema = z.object({
  kind: z.literal('KinstallBackup'),
  version: z.literal(1),
  cluster: z.string(),
  host: z.string(),
  createdAt: z.string(),
  kubernetesVersion: z.string(),
  etcdVersion: z.string(),
  etcdImage: z.string(),
  snapshotStatus: snapshotStatusSchema,
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** `<cluster>-<yyyymmddThhmmssZ>-v<version>.tar.gz` from the manifest's createdAt (UTC). */
export function archiveName(cluster: string, createdAt: string, kubernetesVersion: string): string {
  const compact = createdAt.replace(/[-:]/g, '');
  if (!/^\d{8}T\d{6}Z$/.test(compact)) throw new Error(`unexpected backup time ${JSON.stringify(createdAt)}`);
  const version = /^\d+\.\d+\.\d+$/.test(kubernetesVersion) ? `v${kubernetesVersion}` : 'vunknown';
  return `${cluster}-${compact}-${version}.tar.gz`;
}

/**
 * The regular files of a tar stream (ustar, GNU and pax headers as GNU tar writes them), by path
 * without a leading "./". A hand-written reader: the format is small and no tar library is a
 * dependency; anything it does not understand is an error, never a guess.
 */
export function readTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive blocks
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`bad tar header at byte ${offset}`);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = longName ?? paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (body.length < size) throw new Error('truncated tar archive');
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = body.toString('utf8').replace(/\0.*$/s, ''); continue; }
    if (type === 'x') { paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1]; continue; }
    longName = undefined;
    paxPath = undefined;
    if (type === '0' || type === '7') files.set(name.replace(/^\.\//, ''), Buffer.from(body));
  }
  return files;
}

export interface BackupArchive {
  manifest: BackupManifest;
  files: Map<string, Buffer>;
}

/** Reads and checks a backup archive; `source` names it in errors. */
export function readBackupArchive(gz: Buffer, source: string): BackupArchive {
  const notOurs = (why: string) => new KinstallError(`${source} is not a kinstall backup archive: ${why}`, {
    exitCode: ExitCode.usage, hint: 'pass a file written by kinstall backup (<cluster>-<time>-v<version>.tar.gz)',
  });
  let files: Map<string, Buffer>;
  try {
    files = readTar(zlib.gunzipSync(gz));
  } catch (err) {
    throw notOurs(`it does not read as a .tar.gz (${(err as Error).message})`);
  }
  const json = files.get('kinstall-backup.json');
  if (!json) throw notOurs('it has no kinstall-backup.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw notOurs('kinstall-backup.json is not JSON');
  }
  const manifest = backupManifestSchema.safeParse(parsed);
  if (!manifest.success) throw notOurs(`kinstall-backup.json: ${manifest.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (!files.get('snapshot.db')?.length) throw notOurs('it has no snapshot.db');
  return { manifest: manifest.data, files };
}
