import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { writePrivateFile } from '../private-file.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { execOrFail, kv, parseKv, probeKv, sha256 } from '../steps/remote.js';
import { archiveName, caFiles, pkiFiles, readBackupArchive, snapshotStatusSchema, type SnapshotStatus } from './archive.js';
import { manifestsDir, pkiDir, restoreAside, restoreWork } from './remote-files.js';

/**
 * `kinstall backup`: an etcd snapshot of the first control plane with the PKI kubeadm needs,
 * downloaded to the workstation as one private archive. The etcd client comes from the etcd image
 * kubeadm runs (templates/partials/etcd-client.sh.hbs says why).
 */

export function renderStateProbe(): string {
  return render('steps/backup/probe.sh.hbs', { manifests: manifestsDir, aside: restoreAside, pki: pkiDir, pkiFiles, caFiles, restoreWork });
}

export function renderBackupSave(cluster: string, host: ResolvedHost): string {
  return render('steps/backup/save.sh.hbs', {
    manifests: manifestsDir, pki: pkiDir, pkiFiles,
    clusterJson: JSON.stringify(cluster), hostJson: JSON.stringify(host.name),
  });
}

/** Only the directory save.sh made (mktemp under /var/tmp) is ever removed. */
const workPattern = /^\/var\/tmp\/kinstall-backup\.[A-Za-z0-9]+$/;
export function renderBackupCleanup(work: string): string {
  if (!workPattern.test(work)) throw new Error(`refusing to remove ${JSON.stringify(work)}: not a kinstall backup directory`);
  return render('steps/backup/cleanup.sh.hbs', { work });
}

export function decodeStatus(b64: string, host: string): SnapshotStatus {
  try {
    return snapshotStatusSchema.parse(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')));
  } catch {
    throw new KinstallError('snapshot status printed no readable status: the snapshot is not verified', {
      exitCode: ExitCode.stepFailed, host, hint: 'see the run log for the output of snapshot status',
    });
  }
}

export function formatStatus(s: SnapshotStatus): string {
  return `revision ${s.revision}, ${s.totalKey} keys, ${s.totalSize} bytes, hash ${s.hash}`;
}

export interface BackupOptions {
  cluster: string;
  host: ResolvedHost;
  outputDir: string;
  dryRun: boolean;
}

export interface BackupResult {
  /** Lines for stdout (never key material). */
  lines: string[];
  file?: string;
}

export async function runBackup(remote: RemoteHost, o: BackupOptions): Promise<BackupResult> {
  const outputDir = path.resolve(o.outputDir);
  if (o.dryRun) return planBackup(remote, o, outputDir);
  if (fs.existsSync(outputDir) && !fs.statSync(outputDir).isDirectory()) {
    throw new KinstallError(`--output ${outputDir} is not a directory`, { exitCode: ExitCode.usage, hint: 'pass a directory (it is created when missing)' });
  }
  const out = await execOrFail(remote, renderBackupSave(o.cluster, o.host), {
    label: 'backup: etcd snapshot and archive',
    timeoutMs: 30 * 60_000,
    hint: 'see the run log; nothing was changed on the host (the temporary directory is removed on failure)',
  });
  const facts = parseKv(out);
  const work = kv(facts, 'work');
  try {
    const status = decodeStatus(kv(facts, 'status.b64'), o.host.name);
    const data = await remote.download(kv(facts, 'archive'));
    if (!data) throw new KinstallError(`the archive ${kv(facts, 'archive')} vanished before it was downloaded`, { exitCode: ExitCode.stepFailed, host: o.host.name, hint: 'run kinstall backup again' });
    if (sha256(data) !== kv(facts, 'sha256')) {
      throw new KinstallError('the downloaded archive does not match the one on the host (sha256 differs)', { exitCode: ExitCode.stepFailed, host: o.host.name, hint: 'run kinstall backup again; if it repeats, check the SSH connection' });
    }
    // The archive must read back as one a restore accepts.
    const { manifest } = readBackupArchive(data, `the archive downloaded from ${o.host.name}`);
    const file = path.join(outputDir, archiveName(o.cluster, manifest.createdAt, manifest.kubernetesVersion));
    if (fs.existsSync(file)) throw new KinstallError(`${file} exists already`, { exitCode: ExitCode.usage, hint: 'move it away or pass another --output' });
    writePrivateFile(file, data);
    return {
      file,
      lines: [
        `Backup of cluster ${o.cluster} from ${o.host.name} written to ${file} (0600, ${data.length} bytes).`,
        `  etcd snapshot verified: ${formatStatus(status)}`,
        `  Kubernetes ${manifest.kubernetesVersion}, etcd ${manifest.etcdVersion} (etcdctl from ${manifest.etcdImage}), taken ${manifest.createdAt}`,
        `  PKI: ${(facts.get('pki') ?? []).join(', ')}`,
        'The archive holds the cluster CA private keys: keep it as secret as the cluster itself.',
      ],
    };
  } finally {
    if (work) await execOrFail(remote, renderBackupCleanup(work), { label: 'backup: remove the copy on the host', hint: `remove ${work} on the host by hand: it holds the CA private keys` });
  }
}

async function planBackup(remote: RemoteHost, o: BackupOptions, outputDir: string): Promise<BackupResult> {
  const state = await probeKv(remote, renderStateProbe(), 'backup: probe');
  const lines = [`Plan (dry run: nothing was changed, nothing written) for ${o.host.name}:`];
  if (kv(state, 'manifest') !== 'in-place') {
    lines.push(`  BLOCKED: no ${manifestsDir}/etcd.yaml (${kv(state, 'manifest') === 'aside' ? `an interrupted kinstall restore left it in ${restoreAside}: run kinstall restore again` : 'no kubeadm local etcd on this host'})`);
    return { lines };
  }
  const image = kv(state, 'image');
  const present = kv(state, 'image_present');
  lines.push(
    `  etcdctl/etcdutl: from the etcd image ${image} (mounted read-only with ctr, unmounted at once)${present === 'yes' ? '' : present === 'no-ctr' ? ' — BLOCKED: ctr is not installed' : ' — BLOCKED: the image is not in containerd'}`,
    `  etcdctl snapshot save against https://127.0.0.1:2379 with ${pkiDir}/etcd/healthcheck-client.crt, verified with snapshot status`,
    `  archive: snapshot.db, kinstall-backup.json, pki/{${pkiFiles.filter((f) => (state.get('pki_present') ?? []).includes(f)).join(',')}} in a 0700 directory under /var/tmp, removed after the download`,
    `  written to ${path.join(outputDir, `${o.cluster}-<UTC yyyymmddThhmmssZ>-v<Kubernetes version>.tar.gz`)} (0600)`,
  );
  return { lines };
}
