import { ExitCode, KinstallError } from '../errors.js';
import type { ResolvedHost } from '../inventory/types.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { execOrFail, kv, parseKv, probeKv, sha256, withPort } from '../steps/remote.js';
import { caFiles, pkiFiles, readBackupArchive, type BackupArchive } from './archive.js';
import { decodeStatus, formatStatus, renderStateProbe } from './backup.js';
import { manifestsDir, pkiDir, restoreAside, restoreWork } from './remote-files.js';

/**
 * `kinstall restore`: a kinstall backup's etcd snapshot becomes the data of the single control
 * plane's etcd member again (templates/steps/restore/restore.sh.hbs). HA clusters are refused:
 * etcd's restore makes every member from the same snapshot with its own flags, one member at a
 * time with all of them stopped (etcd's disaster-recovery guide), which kinstall does not do.
 */

/** Seconds for the kubelet to stop the pods, and for the API server to answer /readyz after. */
export const stopSeconds = 120;
export const readySeconds = 300;

export function renderRestorePrepare(): string {
  return render('steps/restore/prepare.sh.hbs', { work: restoreWork });
}

export function renderRestore(host: ResolvedHost, stamp: string): string {
  return render('steps/restore/restore.sh.hbs', {
    manifests: manifestsDir, aside: restoreAside, pki: pkiDir, work: restoreWork, stamp, pkiFiles, caFiles,
    readyz: `https://${withPort(host.internalAddress)}/readyz`, stopSeconds, readySeconds,
  });
}

/** The single control plane a restore targets; an HA inventory is refused (usage, exit 2). */
export function restoreTarget(hosts: ResolvedHost[]): ResolvedHost {
  const cps = hosts.filter((h) => h.isControlPlane);
  if (cps.length !== 1) {
    throw new KinstallError(`kinstall restore handles a cluster with exactly one control plane; this inventory has ${cps.length} (${cps.map((h) => h.name).join(', ')})`, {
      exitCode: ExitCode.usage,
      hint: 'for an HA cluster follow etcd\'s multi-member restore (every member restored from the same snapshot with its own --name/--initial-advertise-peer-urls, all stopped first); see README "kinstall restore" limits',
    });
  }
  return cps[0]!;
}

/** yyyymmddThhmmssZ (UTC) for the name of the moved-aside data directory. */
export function compactUtc(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export interface RestoreOptions {
  cluster: string;
  host: ResolvedHost;
  archive: Buffer;
  archiveFile: string;
  dryRun: boolean;
  now?: Date;
}

/** Refusals found before anything changes: a foreign archive or CA. */
export function checkArchiveFits(archive: BackupArchive, o: { cluster: string; host: string; archiveFile: string }, hostCaSha: Map<string, string>): void {
  if (archive.manifest.cluster !== o.cluster) {
    throw new KinstallError(`${o.archiveFile} is a backup of cluster ${archive.manifest.cluster}, not of ${o.cluster} (the inventory's metadata.name)`, {
      exitCode: ExitCode.usage, hint: 'pass the inventory of the cluster the backup was taken from',
    });
  }
  for (const f of caFiles) {
    const local = archive.files.get(`pki/${f}`);
    const remote = hostCaSha.get(f);
    if (local && remote && sha256(local) !== remote) {
      throw new KinstallError(`${pkiDir}/${f} on the host differs from the one in ${o.archiveFile}: the backup belongs to another cluster, or this CA was replaced since`, {
        exitCode: ExitCode.checksFailed, host: o.host,
        hint: 'restore a backup taken from this cluster since its CA was made; kinstall never replaces a CA',
      });
    }
  }
}

export async function runRestore(remote: RemoteHost, o: RestoreOptions): Promise<string[]> {
  const archive = readBackupArchive(o.archive, o.archiveFile);
  const state = await probeKv(remote, renderStateProbe(), 'restore: probe');
  const hostCaSha = new Map((state.get('ca_sha256') ?? []).map((v) => [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)]));
  checkArchiveFits(archive, { cluster: o.cluster, host: o.host.name, archiveFile: o.archiveFile }, hostCaSha);
  if (kv(state, 'manifest') === 'none') {
    throw new KinstallError(`no etcd static pod manifest in ${manifestsDir} (nor in ${restoreAside}): this host runs no kubeadm local etcd`, {
      exitCode: ExitCode.stepFailed, host: o.host.name, hint: 'kinstall up INVENTORY builds the control plane first; then restore into it',
    });
  }
  const present = new Set(state.get('pki_present') ?? []);
  const missing = pkiFiles.filter((f) => !present.has(f) && archive.files.has(`pki/${f}`));
  const stamp = compactUtc(o.now ?? new Date());
  const m = archive.manifest;
  const resuming = kv(state, 'manifest') === 'aside' || kv(state, 'restore_work') === 'yes';
  const dataDir = kv(state, 'data_dir');
  const plan = [
    `  backup: cluster ${m.cluster} from ${m.host} at ${m.createdAt}, Kubernetes ${m.kubernetesVersion}, etcd ${m.etcdVersion}; snapshot ${formatStatus(m.snapshotStatus)}`,
    ...(resuming ? [`  an interrupted restore is finished (${restoreWork} or ${restoreAside} exists)`] : []),
    `  upload the archive to ${restoreWork}/archive.tar.gz (0600, directory 0700; removed at the end) and verify its snapshot with snapshot status`,
    `  etcdctl/etcdutl from the etcd image ${kv(state, 'image')}${kv(state, 'image_present') === 'yes' ? '' : ' — BLOCKED: the image is not in containerd'}`,
    missing.length ? `  write the PKI files missing on the host from the archive: ${missing.join(', ')}` : '  PKI: every file present on the host is kept (the CAs match the archive\'s)',
    `  move the etcd, kube-apiserver, kube-controller-manager and kube-scheduler manifests to ${restoreAside} and wait until etcd stops listening on 2379`,
    `  move ${dataDir} to ${dataDir}.before-restore-${stamp} (kept, never deleted)`,
    `  etcdutl snapshot restore --name ${kv(state, 'name')} --initial-cluster ${kv(state, 'initial_cluster')} --initial-advertise-peer-urls ${kv(state, 'peer_urls')} --data-dir ${dataDir}`,
    `  put the manifests back and wait for https://${withPort(o.host.internalAddress)}/readyz`,
  ];
  if (o.dryRun) return [`Plan (dry run: nothing was changed) for ${o.host.name}:`, ...plan];
  await execOrFail(remote, renderRestorePrepare(), { label: 'restore: work directory' });
  await remote.upload(`${restoreWork}/archive.tar.gz`, o.archive, { mode: 0o600, secret: true });
  const out = parseKv(await execOrFail(remote, renderRestore(o.host, stamp), {
    label: 'restore: etcd snapshot restore',
    timeoutMs: (stopSeconds + readySeconds + 600) * 1000,
    hint: `see the run log; run kinstall restore again to finish (the manifests are in ${manifestsDir} or ${restoreAside}; the old data is never deleted)`,
  }));
  const status = decodeStatus(kv(out, 'status.b64'), o.host.name);
  const written = out.get('pki_written') ?? [];
  return [
    `Restored etcd on ${o.host.name} from ${o.archiveFile}: ${formatStatus(status)}.`,
    `  member ${kv(out, 'name')}, data directory ${kv(out, 'data_dir')}`,
    `  the data before the restore: ${kv(out, 'before')} (kept: remove it yourself once the cluster is as it should be)`,
    written.length ? `  PKI files written from the archive (they were missing): ${written.join(', ')}` : '  PKI: unchanged',
    '  the API server answers /readyz; kubelets, controllers and workloads catch up with the restored state by themselves',
  ];
}
