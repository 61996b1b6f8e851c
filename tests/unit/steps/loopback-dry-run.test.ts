import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { checkIds } from '../../../src/preflight/checks.js';
import { freePort, keygen, sshdBinary, startLocalSshd } from '../../helpers/local-sshd.js';

/**
 * `kinstall up --dry-run` end to end over real SSH to our own sshd on 127.0.0.1 (this machine is
 * the "host"): real inventory loading, SSH layer, preflight and every probe script. The dry run
 * must write nothing: every path an apply would touch is hashed before and after.
 */
const isRoot = process.getuid?.() === 0;
const watched = [
  '/etc/hosts', '/etc/hostname', '/etc/fstab', '/etc/sysctl.d', '/etc/modules-load.d', '/etc/containerd',
  '/etc/apt/sources.list.d', '/etc/apt/keyrings', '/etc/kubernetes', '/root/.kube', '/usr/local/lib/kinstall',
  '/etc/systemd/system/containerd.service',
];

function snapshot(): string {
  const h = crypto.createHash('sha256');
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      h.update(`${p} absent\n`);
      return;
    }
    h.update(`${p} ${st.mode} ${st.mtimeMs}\n`);
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (st.isFile()) h.update(fs.readFileSync(p));
  };
  watched.forEach(walk);
  return h.digest('hex');
}

let dir: string;
let sshd: ChildProcess | undefined;
let port: number;

describe.skipIf(!isRoot || !fs.existsSync(sshdBinary))('up --dry-run over SSH to 127.0.0.1', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-up-loop-'));
    port = await freePort();
    for (const k of ['host_key', 'id_ed25519']) keygen(path.join(dir, k));
    fs.copyFileSync(path.join(dir, 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
    const hostPub = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
    sshd = await startLocalSshd({ dir, port, hostKey: path.join(dir, 'host_key'), authorizedKeysFile: path.join(dir, 'authorized_keys') });
  });

  afterAll(() => {
    if (sshd?.pid) sshd.kill('SIGTERM');
  });

  it('prints a plan for every step, exits 0 and writes nothing', async () => {
    const inv = path.join(dir, 'inventory.yaml');
    fs.writeFileSync(
      inv,
      [
        'apiVersion: kinstall/v1alpha1',
        'kind: Cluster',
        'metadata: {name: loop}',
        `ssh: {user: root, port: ${port}, identityFile: id_ed25519, knownHostsFile: known_hosts}`,
        'hosts:',
        '  - {name: loop1, address: 127.0.0.1, roles: [control-plane, worker], setHostname: false}',
        'kubernetes:',
        '  version: 1.28.15',
        // Port 9 on loopback: nothing listens, so nothing is fetched even by mistake.
        '  packageRepository: http://127.0.0.1:9/core/stable',
        '  imageRepository: 127.0.0.1:9/google_containers',
        'containerd: {version: 1.6.20}',
        'addons: {dashboard: {enabled: true}}',
        // This machine is no clean node: every check may fail here without stopping the dry run.
        `preflight: {ignore: [${checkIds.join(', ')}]}`,
        '',
      ].join('\n'),
    );
    const logFile = path.join(dir, 'run.log');
    const before = snapshot();
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['node', 'kinstall', 'up', inv, '--dry-run', '--log', logFile, '--kubeconfig', path.join(dir, 'loop.kubeconfig')]);
    } finally {
      process.stdout.write = write;
    }
    const text = out.join('');
    expect(code, text).toBe(0);
    expect(snapshot()).toBe(before);
    expect(fs.existsSync(path.join(dir, 'loop.kubeconfig'))).toBe(false);
    for (const title of ['Preflight audit', 'Prepare hosts', 'containerd', 'Kubernetes packages', 'Bootstrap the first control plane', 'Pod network', 'Kubernetes Dashboard', 'Kubeconfig']) {
      expect(text).toContain(title);
    }
    expect(text).toMatch(/install kubeadm 1\.28\.15-1\.1/);
    expect(text).toContain('dry run finished in');
    expect(text).toContain(`run log: ${logFile}`);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain('prepare-host: probe');
    expect(log).not.toMatch(/: apply|upload /);
  }, 120_000);
});
