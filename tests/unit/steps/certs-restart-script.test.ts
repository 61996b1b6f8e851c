import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderCertsRenew } from '../../../src/steps/certs.js';
import { labCluster } from './inventories.js';

/**
 * The renew script run for real, its /etc/kubernetes paths pointed at a temp dir, with a fake
 * kubelet (a loop that "runs" the API server while its manifest is in place) and fake kubeadm and
 * curl: the manifests go aside, the script waits for the API server to stop, puts them back, and
 * waits for /readyz.
 */
const cp = labCluster().hosts[0]!;

describe('certs renew script (sandboxed)', { timeout: 60_000 }, () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-certs-script-'));
    for (const d of ['etc/manifests', 'etc/pki', 'bin', 'state']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const m of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) fs.writeFileSync(path.join(dir, 'etc/manifests', `${m}.yaml`), `${m}\n`);
    fs.writeFileSync(path.join(dir, 'etc/pki/ca.crt'), 'CA\n');
    const bin = (name: string, body: string) => fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    bin('kubeadm', `echo "kubeadm $*" >>${dir}/state/calls`);
    // The API server "answers" while the state file says it runs; /readyz says ok.
    bin('curl', `[ -e ${dir}/state/up ] || exit 7\ncase " $* " in *" -o /dev/null "*) ;; *) printf ok ;; esac`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (renew: boolean, kubelet: string) => {
    const script = renderCertsRenew(cp, renew).replace('stop_seconds=120', 'stop_seconds=6').replace('ready_seconds=300', 'ready_seconds=8')
      .replaceAll('/etc/kubernetes', `${dir}/etc`);
    expect(script).not.toContain('/etc/kubernetes');
    fs.writeFileSync(path.join(dir, 'renew.sh'), script);
    // The fake kubelet: every 0.3 s, the API server runs exactly while its manifest is there (a
    // restart is recorded when it comes back), or never stops/starts in the failure cases.
    const wrapper = `( ${kubelet} ) >/dev/null 2>&1 &
k=$!
rc=0
PATH=${dir}/bin:$PATH sh ${dir}/renew.sh || rc=$?
kill $k
exit $rc`;
    fs.writeFileSync(path.join(dir, 'state/up'), '');
    return spawnSync('sh', ['-c', wrapper], { encoding: 'utf8', timeout: 60_000 });
  };
  const realKubelet = (d: () => string) => `while :; do if [ -f ${d()}/etc/manifests/kube-apiserver.yaml ]; then [ -e ${d()}/state/up ] || { touch ${d()}/state/up; echo start >>${d()}/state/restarts; }; else rm -f ${d()}/state/up; fi; sleep 0.3; done`;

  it('renews, moves the manifests aside until the API server stops, back, and waits for /readyz', () => {
    const r = run(true, realKubelet(() => dir));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('readyz=ok');
    expect(fs.readFileSync(path.join(dir, 'state/calls'), 'utf8')).toBe('kubeadm certs renew all\n');
    expect(fs.readFileSync(path.join(dir, 'state/restarts'), 'utf8')).toBe('start\n');
    expect(fs.readdirSync(path.join(dir, 'etc/manifests')).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
    expect(fs.existsSync(path.join(dir, 'etc/kinstall/manifests-aside'))).toBe(false);
  });

  it('a restart alone (no renewal) also finishes manifests left aside by an interrupted run', () => {
    fs.mkdirSync(path.join(dir, 'etc/kinstall/manifests-aside'), { recursive: true });
    fs.renameSync(path.join(dir, 'etc/manifests/kube-apiserver.yaml'), path.join(dir, 'etc/kinstall/manifests-aside/kube-apiserver.yaml'));
    const r = run(false, realKubelet(() => dir));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'state/calls'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'etc/manifests'))).toContain('kube-apiserver.yaml');
  });

  it('a kubelet that never stops the pods: the manifests go back and the script fails saying so', () => {
    const r = run(false, 'sleep 60');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the kubelet did not stop the kube-apiserver within 6 s');
    expect(fs.readdirSync(path.join(dir, 'etc/manifests')).sort()).toEqual(['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']);
  });
});
