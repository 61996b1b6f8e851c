import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBackupArchive } from '../../../src/backup/archive.js';
import { renderBackupSave } from '../../../src/backup/backup.js';
import { renderRestore } from '../../../src/backup/restore.js';
import { parseKv } from '../../../src/steps/remote.js';
import { labCluster } from '../steps/inventories.js';
import { makeArchive, statusJson } from './helpers.js';

/**
 * save.sh and restore.sh run for real under sh, their /etc/kubernetes, /var/tmp and /var/lib/etcd
 * pointed at a temp dir, with fakes for ctr (an image whose mount holds fake etcdctl/etcdutl), ss,
 * curl and a fake kubelet loop (etcd and the API server "run" while their manifests are in place).
 */
const cp = labCluster().hosts[0]!;
const image = '10.77.255.1:5000/google_containers/etcd:3.5.15-0';
/** A /proc/net/tcp row: 127.0.0.1:2379 listening (state 0A). */
const tcpLine = '   0: 0100007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0';

describe('backup and restore scripts (sandboxed)', { timeout: 60_000 }, () => {
  let dir: string;
  const bin = (name: string, body: string) => fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-backup-script-'));
    for (const d of ['etc/manifests', 'etc/pki/etcd', 'bin', 'state', 'tmp', 'lib/etcd/member']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib/etcd/member/ORIGINAL'), 'the data before');
    fs.writeFileSync(path.join(dir, 'etc/manifests/etcd.yaml'), `spec:\n  containers:\n  - command:\n    - etcd\n    - --data-dir=${dir}/lib/etcd\n    - --initial-advertise-peer-urls=https://10.77.0.11:2380\n    - --initial-cluster=node1=https://10.77.0.11:2380\n    - --name=node1\n    image: ${image}\n`);
    fs.writeFileSync(path.join(dir, 'etc/manifests/kube-apiserver.yaml'), 'spec:\n  containers:\n  - image: 10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15\n');
    for (const m of ['kube-controller-manager', 'kube-scheduler']) fs.writeFileSync(path.join(dir, `etc/manifests/${m}.yaml`), `${m}\n`);
    for (const f of ['ca.crt', 'etcd/ca.crt', 'etcd/healthcheck-client.crt']) fs.writeFileSync(path.join(dir, 'etc/pki', f), f === 'ca.crt' ? 'CLUSTER CA\n' : 'ETCD CA\n');
    fs.writeFileSync(path.join(dir, 'etc/pki/ca.key'), 'KEY\n');
    const s = `${dir}/state`;
    // The image holds etcdctl and etcdutl as upstream's does; every call is recorded.
    bin('ctr', `echo "ctr $*" >>${s}/calls
case "$*" in
  *"images ls -q"*) [ -e ${s}/no-image ] || echo ${image} ;;
  *"images mount"*) mkdir -p "$6/usr/local/bin"; cp ${dir}/bin/fake-etcdctl "$6/usr/local/bin/etcdctl"; cp ${dir}/bin/fake-etcdutl "$6/usr/local/bin/etcdutl"; echo sha256:chain ;;
  *"images unmount --rm"*) rm -rf "$6/usr" ;;
esac`);
    bin('fake-etcdctl', `echo "etcdctl $*" >>${s}/calls
case "$*" in
  *"snapshot save"*) eval "f=\\$$#"; printf BOLT >"$f"; echo "Snapshot saved at $f" ;;
  *"endpoint status"*) echo '[{"Endpoint":"https://127.0.0.1:2379","Status":{"header":{"cluster_id":1},"version":"3.4.23","dbSize":20480}}]' ;;
esac`);
    bin('fake-etcdutl', `echo "etcdutl $*" >>${s}/calls
case "$*" in
  *"snapshot status"*) echo '${statusJson}' ;;
  *"snapshot restore"*) while [ $# -gt 0 ]; do [ "$1" = --data-dir ] && d=$2; shift; done; mkdir -p "$d/member"; echo restored >"$d/member/RESTORED"; [ ! -e ${s}/fail-restore ] || { rm ${s}/fail-restore; exit 1; } ;;
esac`);
    bin('curl', `[ -e ${s}/apiserver-up ] && printf ok`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const localize = (script: string) => script.replaceAll('/etc/kubernetes', `${dir}/etc`).replaceAll('/var/tmp', `${dir}/tmp`)
    .replace('/proc/net/tcp /proc/net/tcp6', `${dir}/state/tcp`)
    .replace('stop_seconds=120', 'stop_seconds=5').replace('ready_seconds=300', 'ready_seconds=5');
  const kubelet = () => `while :; do if [ -f ${dir}/etc/manifests/etcd.yaml ]; then touch ${dir}/state/apiserver-up; echo '${tcpLine}' >${dir}/state/tcp; else rm -f ${dir}/state/apiserver-up; : >${dir}/state/tcp; fi; sleep 0.2; done`;
  const run = (script: string) => {
    fs.writeFileSync(path.join(dir, 'script.sh'), localize(script));
    const wrapper = `( ${kubelet()} ) >/dev/null 2>&1 &
k=$!
rc=0
PATH=${dir}/bin:$PATH sh ${dir}/script.sh || rc=$?
kill $k
exit $rc`;
    return spawnSync('sh', ['-c', wrapper], { encoding: 'utf8', timeout: 60_000 });
  };
  const calls = () => fs.readFileSync(path.join(dir, 'state/calls'), 'utf8');

  it('save: snapshot with the image\'s etcdctl and the healthcheck-client pair, verified, archived 0600, image unmounted', () => {
    const r = run(renderBackupSave('lab', cp));
    expect(r.status, r.stderr).toBe(0);
    const out = parseKv(r.stdout);
    const work = out.get('work')![0]!;
    expect(work.startsWith(`${dir}/tmp/kinstall-backup.`)).toBe(true);
    expect(fs.statSync(work).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(work)).toEqual(['backup.tar.gz']);
    expect(fs.statSync(path.join(work, 'backup.tar.gz')).mode & 0o777).toBe(0o600);
    const a = readBackupArchive(fs.readFileSync(path.join(work, 'backup.tar.gz')), 'archive');
    expect(a.manifest).toMatchObject({ cluster: 'lab', host: 'node1', kubernetesVersion: '1.28.15', etcdVersion: '3.4.23', etcdImage: image, snapshotStatus: JSON.parse(statusJson) });
    expect([...a.files.keys()].filter((f) => f.startsWith('pki/')).sort()).toEqual(['pki/ca.crt', 'pki/ca.key', 'pki/etcd/ca.crt']);
    expect(a.files.get('snapshot.db')?.toString()).toBe('BOLT');
    expect(calls()).toContain(`etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${dir}/etc/pki/etcd/ca.crt --cert=${dir}/etc/pki/etcd/healthcheck-client.crt --key=${dir}/etc/pki/etcd/healthcheck-client.key snapshot save`);
    expect(calls()).toMatch(/etcdutl snapshot status -w json .*snapshot\.db/);
    expect(calls()).toMatch(/ctr -n k8s\.io images mount 10\.77\.255\.1:5000\/google_containers\/etcd:3\.5\.15-0 .*\/bin\/image\nctr -n k8s\.io images unmount --rm .*\/bin\/image/);
  });

  it('save: an etcd image missing from containerd fails clearly and leaves nothing behind', () => {
    fs.writeFileSync(path.join(dir, 'state/no-image'), '');
    const r = run(renderBackupSave('lab', cp));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`the etcd image ${image} (the image: of the etcd static pod manifest) is not in containerd's k8s.io namespace`);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  const upload = (archive = makeArchive()) => {
    fs.mkdirSync(path.join(dir, 'etc/kinstall/restore'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc/kinstall/restore/archive.tar.gz'), archive);
  };
  const restoreScript = () => renderRestore(cp, '20261130T062000Z');

  it('restore: stops the control plane, keeps the old data aside, restores with the manifest\'s flags, starts it, cleans up', () => {
    upload();
    const r = run(restoreScript());
    expect(r.status, r.stderr).toBe(0);
    const out = parseKv(r.stdout);
    expect(out.get('before')).toEqual([`${dir}/lib/etcd.before-restore-20261130T062000Z`]);
    expect(out.get('readyz')).toEqual(['ok']);
    expect(out.get('pki_written')).toEqual(['etcd/ca.key']);
    expect(fs.statSync(path.join(dir, 'etc/pki/etcd/ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'lib/etcd.before-restore-20261130T062000Z/member/ORIGINAL'), 'utf8')).toBe('the data before');
    expect(fs.existsSync(path.join(dir, 'lib/etcd/member/RESTORED'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'lib/etcd')).mode & 0o777).toBe(0o700);
    expect(calls()).toMatch(new RegExp(`etcdutl snapshot restore \\S+/x/snapshot\\.db --name node1 --initial-cluster node1=https://10\\.77\\.0\\.11:2380 --initial-advertise-peer-urls https://10\\.77\\.0\\.11:2380 --data-dir ${dir}/lib/etcd`));
    expect(fs.readdirSync(path.join(dir, 'etc/manifests')).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(fs.existsSync(path.join(dir, 'etc/kinstall/restore'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'etc/kinstall/restore-manifests'))).toBe(false);
  });

  it('restore: interrupted in the restore, a second run finishes it and the original data is still kept', () => {
    upload();
    fs.writeFileSync(path.join(dir, 'state/fail-restore'), '');
    const first = run(restoreScript());
    expect(first.status).not.toBe(0);
    expect(fs.readdirSync(path.join(dir, 'etc/kinstall/restore-manifests')).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    upload(); // kinstall restore uploads the archive again
    const second = run(restoreScript());
    expect(second.status, second.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'lib/etcd.before-restore-20261130T062000Z/member/ORIGINAL'), 'utf8')).toBe('the data before');
    expect(fs.existsSync(path.join(dir, 'lib/etcd/member/RESTORED'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'etc/manifests/etcd.yaml'))).toBe(true);
    expect(parseKv(second.stdout).get('before')).toEqual([`${dir}/lib/etcd.before-restore-20261130T062000Z`]);
  });

  it('restore: a CA that differs from the archive\'s stops it before anything is stopped or moved', () => {
    upload(makeArchive({ ca: 'ANOTHER CA\n' }));
    const r = run(restoreScript());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${dir}/etc/pki/ca.crt differs from the archive's`);
    expect(fs.existsSync(path.join(dir, 'etc/manifests/etcd.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'lib/etcd/member/ORIGINAL'))).toBe(true);
    expect(calls()).not.toContain('snapshot restore');
  });

  it('restore: etcd that does not stop is reported and the manifests go back untouched', () => {
    upload();
    fs.writeFileSync(path.join(dir, 'script.sh'), localize(restoreScript()));
    // No kubelet: etcd keeps listening.
    fs.writeFileSync(path.join(dir, 'state/tcp'), `${tcpLine}\n`);
    const r = spawnSync('sh', ['-c', `PATH=${dir}/bin:$PATH sh ${dir}/script.sh`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('etcd still listens on port 2379 5 s after its manifest left');
    expect(fs.readdirSync(path.join(dir, 'etc/manifests')).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(fs.existsSync(path.join(dir, 'lib/etcd/member/ORIGINAL'))).toBe(true);
  });
});
