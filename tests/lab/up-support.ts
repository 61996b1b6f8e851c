import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { lab, labDir, labScript, repoRoot, rootSh, run, type LabDescription, type LabHost, type Result } from './lab-support.js';

/** Helpers for the `kinstall up` acceptance tests: fresh hosts, the real CLI, host snapshots. */

/**
 * Fresh lab hosts (clean overlays, nothing installed) without `lab:down`: down also stops the
 * many-hosts lab (lab/many.sh), which other work uses. Stops and discards every nodeN, then
 * `lab:up` boots them again from the base (servers, registry and repo are kept).
 */
export function freshLab(hosts = 3, env: NodeJS.ProcessEnv = {}): LabDescription {
  const script = `
    set -euo pipefail
    . lab/lib.sh; . lab/hosts.sh
    for i in $(running_hosts); do stop_host "$i" & done; wait
    for i in $(running_hosts); do
      d=$(host_dir "$i")
      mountpoint -q "$d/root" && umount "$d/root"
      rm -rf "$d"
    done
    for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name 'klab-node*' 2>/dev/null); do
      find "$d" -depth -type d -exec rmdir {} \\; 2>/dev/null || true
    done`;
  const r = run('bash', ['-c', `cd ${repoRoot} && ${script}`], { env: { LAB_DIR: labDir } });
  if (r.code !== 0) throw new Error(`discarding the lab hosts failed:\n${r.stdout}${r.stderr}`);
  labScript('up', [], { LAB_HOSTS: String(hosts), ...env });
  return lab();
}

export interface UpRun extends Result {
  log: string;
  logFile: string;
  kubeconfig: string;
}

/** One kubeconfig path for every test run, as an operator re-running in the same directory has. */
export const testKubeconfig = path.join(os.tmpdir(), 'kinstall-up-tests', 'lab.kubeconfig');

function cliArgs(command: string, inventory: string, args: string[], dir: string): { argv: string[]; logFile: string; kubeconfig: string } {
  const logFile = path.join(dir, 'run.log');
  const kubeconfig = testKubeconfig;
  fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
  const extra = command === 'up' ? ['--kubeconfig', kubeconfig] : [];
  return { argv: [path.join(repoRoot, 'bin', 'kinstall.js'), command, inventory, '--log', logFile, ...extra, ...args], logFile, kubeconfig };
}

/** The real CLI (`node bin/kinstall.js up|reset INVENTORY`), its run log in a fresh temp dir. */
export function kinstall(command: 'up' | 'reset', inventory: string, args: string[] = [], dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-up-'))): UpRun {
  const { argv, logFile, kubeconfig } = cliArgs(command, inventory, args, dir);
  const r = run('node', argv, { input: '' });
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  return { ...r, log, logFile, kubeconfig };
}

/**
 * Starts `kinstall up` in the background and SIGKILLs it as soon as `when(runLogText)` holds
 * (polled); resolves with the log text at the kill.
 */
export async function upKilledWhen(inventory: string, when: (log: string) => boolean, timeoutMs = 600_000): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kill-'));
  const { argv, logFile } = cliArgs('up', inventory, [], dir);
  const child = spawn('node', argv, { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      if (when(text)) {
        child.kill('SIGKILL');
        await exited;
        return text;
      }
      if (child.exitCode !== null) throw new Error(`kinstall up exited (${child.exitCode}) before the kill point:\n${text.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error('the kill point was never reached');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export { summaryByStep } from '../e2e/cluster-checks.js';

/**
 * Metadata and content hash of everything under /etc, /var/lib and /opt (as preflight-healthy
 * does), minus `exclude`d directories.
 */
export function snapshotScript(exclude: string[] = []): string {
  const prune = exclude.map((d) => `-path ${d} -prune -o `).join('');
  return (
    `find /etc /var/lib /opt ${prune}-printf "%p %y %m %U:%G %s %T@ %l\\n" 2>/dev/null | sort; ` +
    `find /etc /var/lib /opt ${prune}-type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum`
  );
}

/**
 * What a RUNNING cluster keeps writing by itself (the API server's store, kubelet and containerd
 * state): left out when snapshotting a converged cluster, where only kinstall's writes matter.
 */
export const liveClusterState = ['/var/lib/etcd-simulator', '/var/lib/etcd', '/var/lib/kubelet', '/var/lib/containerd'];

export function snapshot(l: LabDescription, hosts: LabHost[] = l.hosts, exclude: string[] = []): Map<string, string[]> {
  return new Map(hosts.map((h) => [h.name, rootSh(l, h, snapshotScript(exclude)).split('\n')]));
}

/** Lines that differ between two snapshots of one host ("- old", "+ new"). */
export function snapshotDiff(before: string[], after: string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [...before.filter((x) => !b.has(x)).map((x) => `- ${x}`), ...after.filter((x) => !a.has(x)).map((x) => `+ ${x}`)];
}

/** kubectl as root on a host (admin.conf), throwing on failure. */
export function kubectl(l: LabDescription, host: LabHost, args: string): string {
  return rootSh(l, host, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${args}`);
}
