import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLog } from '../../../src/log.js';
import { initStep } from '../../../src/steps/init.js';
import { parseJoinCommand } from '../../../src/steps/join-command.js';
import { joinControlPlanesStep, joinWorkersStep } from '../../../src/steps/join.js';
import { runSteps } from '../../../src/steps/run.js';
import { newBootstrapToken, newCertificateKey } from '../../../src/steps/secrets.js';
import { FakeRemote, fakeContext, fakeHost } from './fakes.js';

const hash = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseJoinCommand', () => {
  it('reads endpoint, token and CA hash, ignoring warnings around it', () => {
    const out = `W1122 06:00:00 warning: something\nkubeadm join 10.77.0.11:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${hash} \n`;
    expect(parseJoinCommand(out)).toEqual({ apiServerEndpoint: '10.77.0.11:6443', token: 'abcdef.0123456789abcdef', caCertHash: hash });
  });
  it('accepts --flag=value spelling', () => {
    const out = `kubeadm join api.lab:6443 --token=abcdef.0123456789abcdef --discovery-token-ca-cert-hash=${hash}`;
    expect(parseJoinCommand(out).token).toBe('abcdef.0123456789abcdef');
  });
  it('rejects incomplete or malformed output', () => {
    expect(() => parseJoinCommand('no join here')).toThrow(/did not print a join command/);
    expect(() => parseJoinCommand(`kubeadm join 1.2.3.4:6443 --token bad --discovery-token-ca-cert-hash ${hash}`)).toThrow(/--token/);
    expect(() => parseJoinCommand('kubeadm join 1.2.3.4:6443 --token abcdef.0123456789abcdef')).toThrow(/ca-cert-hash/);
    expect(() => parseJoinCommand(`kubeadm join --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${hash}`)).toThrow(/endpoint/);
  });
});

describe('secrets', () => {
  it('tokens and certificate keys have kubeadm\'s formats and differ each time', () => {
    const t = newBootstrapToken();
    expect(t).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(newBootstrapToken()).not.toBe(t);
    expect(newCertificateKey()).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** Plays kubeadm on the fake hosts: prints the secrets it was given, as the real tool does. */
function kubeadmLike(cp: FakeRemote, joiners: FakeRemote[]) {
  const members = new Set<string>();
  const tokenOf = (file: string | undefined) => /token: "?([a-z0-9]{6}\.[a-z0-9]{16})/.exec(file ?? '')?.[1];
  const keyOf = (file: string | undefined) => /certificateKey: "?([0-9a-f]{64})/.exec(file ?? '')?.[1];
  cp.responders.push((script, opts) => {
    if (opts?.label === 'init: probe') {
      return { stdout: members.has(cp.name) ? 'admin_conf=yes\napi=ok\nadmin_conf_sha=A\nroot_kubeconfig_sha=A\n' : 'admin_conf=no\napiserver_manifest=no\napi=down\n' };
    }
    if (opts?.label === 'init: apply') {
      members.add(cp.name);
      const cfg = cp.files.get('/etc/kubernetes/kinstall/kubeadm-init.yaml');
      return { stdout: `Your Kubernetes control-plane has initialized successfully!\nkubeadm join 10.0.0.1:6443 --token ${tokenOf(cfg)} --discovery-token-ca-cert-hash ${hash} --control-plane --certificate-key ${keyOf(cfg)}\n` };
    }
    if (opts?.label === 'join: create token') {
      return { stdout: `kubeadm join 10.0.0.1:6443 --token ${opts.stdin?.trim()} --discovery-token-ca-cert-hash ${hash}\n` };
    }
    if (opts?.label === 'join: upload-certs') {
      return { stdout: `[upload-certs] Using certificate key:\n${keyOf(cp.files.get('/etc/kubernetes/kinstall/kubeadm-upload-certs.yaml'))}\n` };
    }
    const m = /get node (\S+)/.exec(script);
    if (opts?.label?.startsWith('join: is ')) return { stdout: `node_listed=${m && members.has(m[1]!) ? 'yes' : 'no'}\n` };
    return undefined;
  });
  for (const j of joiners) {
    j.responders.push((_script, opts) => {
      if (opts?.label === 'join: probe') return { stdout: members.has(j.name) ? 'kubelet_conf=yes\n' : 'kubelet_conf=no\n' };
      if (opts?.label === 'join: apply') {
        members.add(j.name);
        const cfg = j.files.get('/etc/kubernetes/kinstall/kubeadm-join.yaml');
        return { stdout: `This node has joined the cluster (token ${tokenOf(cfg)}, key ${keyOf(cfg) ?? 'none'})\n` };
      }
      return undefined;
    });
  }
}

describe('init + join with fake hosts', () => {
  it('the run log holds no token or certificate key; secrets travel only in 0600 files or stdin', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-steps-'));
    const logFile = path.join(dir, 'run.log');
    const log = new RunLog(logFile);
    const hosts = [fakeHost('node1', ['control-plane']), fakeHost('node2', ['control-plane']), fakeHost('node3', ['worker'])];
    const remotes = hosts.map((h) => new FakeRemote(h.name, log));
    kubeadmLike(remotes[0]!, remotes.slice(1));
    const inventory = { ...fakeContext(hosts, remotes).inventory };
    inventory.kubernetes = { ...inventory.kubernetes, controlPlaneEndpoint: 'api.lab:6443' };
    const ctx = fakeContext(hosts, remotes, log, inventory);

    const res = await runSteps([initStep, joinControlPlanesStep, joinWorkersStep], ctx, { dryRun: false, concurrency: 4, renderer: 'silent' });
    expect(res.failures.map((f) => f.format())).toEqual([]);
    expect(res.steps.map((s) => s.hosts.map((h) => `${h.host}:${h.status}`))).toEqual([['node1:changed'], ['node2:changed'], ['node3:changed']]);

    const initCfg = remotes[0]!.files.get('/etc/kubernetes/kinstall/kubeadm-init.yaml')!;
    const secrets = [
      /token: "?([a-z0-9]{6}\.[a-z0-9]{16})/.exec(initCfg)![1]!,
      /certificateKey: "?([0-9a-f]{64})/.exec(initCfg)![1]!,
      /certificateKey: "?([0-9a-f]{64})/.exec(remotes[0]!.files.get('/etc/kubernetes/kinstall/kubeadm-upload-certs.yaml')!)![1]!,
    ];
    const joinToken = remotes[0]!.execs.find((e) => e.opts?.label === 'join: create token')!.opts!.stdin!.trim();
    secrets.push(joinToken);
    const text = fs.readFileSync(logFile, 'utf8');
    expect(text).toContain('<redacted>');
    for (const s of secrets) expect(text).not.toContain(s);
    // never in a script (argv/process list), only in 0600 uploads or on stdin
    for (const r of remotes) {
      for (const e of r.execs) for (const s of secrets) expect(e.script).not.toContain(s);
      for (const u of r.uploads) if (secrets.some((s) => u.content.includes(s))) expect(u).toMatchObject({ mode: 0o600, secret: true });
    }
    // one token for the run; the control plane joins with a certificate key, the worker without
    const cpJoin = remotes[1]!.files.get('/etc/kubernetes/kinstall/kubeadm-join.yaml')!;
    expect(cpJoin).toContain(joinToken);
    expect(cpJoin).toMatch(/certificateKey/);
    expect(remotes[2]!.files.get('/etc/kubernetes/kinstall/kubeadm-join.yaml')).not.toMatch(/certificateKey/);
    expect(remotes[0]!.execs.filter((e) => e.opts?.label === 'join: create token')).toHaveLength(1);

    // Re-run: already members → nothing applied, no new token.
    const before = remotes.map((r) => r.uploads.length);
    const again = await runSteps([initStep, joinControlPlanesStep, joinWorkersStep], { ...ctx, memo: new Map() }, { dryRun: false, concurrency: 4, renderer: 'silent' });
    expect(again.failures.map((f) => f.format())).toEqual([]);
    expect(again.steps.flatMap((s) => s.hosts.map((h) => h.status))).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(remotes.map((r) => r.uploads.length)).toEqual(before);
    log.close();
  });
});
