import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { RunLog } from '../../../src/log.js';
import { initStep } from '../../../src/steps/init.js';
import { caCertHash, renderBootstrapTokenSecret } from '../../../src/steps/join-command.js';
import { joinControlPlanesStep, joinWorkersStep } from '../../../src/steps/join.js';
import { runSteps } from '../../../src/steps/run.js';
import { newBootstrapToken, newCertificateKey } from '../../../src/steps/secrets.js';
import { FakeRemote, fakeContext, fakeHost } from './fakes.js';

const hash = `sha256:${'0123456789abcdef'.repeat(4)}`;

// A real CA certificate, and its pin computed independently with openssl (kubeadm's documented way).
function testCa(): { pem: string; pin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt'), '-days', '1', '-subj', '/CN=kubernetes'], { stdio: 'ignore' });
  const pin = execFileSync('sh', ['-c', `openssl x509 -pubkey -noout -in ${dir}/ca.crt | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1`], { encoding: 'utf8' }).trim();
  const pem = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { pem, pin: `sha256:${pin}` };
}
const ca = testCa();

describe('caCertHash', () => {
  it('is sha256 over the DER SubjectPublicKeyInfo, as openssl computes it', () => {
    expect(caCertHash(ca.pem)).toBe(ca.pin);
  });
  it('rejects what is not a certificate', () => {
    expect(() => caCertHash('not a cert')).toThrow(/not a PEM certificate/);
  });
});

describe('bootstrap token Secret', () => {
  it('has kubeadm\'s layout: id/secret split, both usages, node-token group, absolute expiry', () => {
    const doc = YAML.parse(renderBootstrapTokenSecret('abcdef.0123456789abcdef', new Date('2026-11-22T07:15:00.500Z')));
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        expiration: '2026-11-22T07:15:00Z',
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      },
    });
  });
  it('refuses a malformed token', () => {
    expect(() => renderBootstrapTokenSecret('ABCDEF.0123456789abcdef', new Date())).toThrow(/bootstrap token must match/);
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
      return { stdout: members.has(cp.name) ? 'init_done=yes\nadmin_conf=yes\napi=ok\nadmin_conf_sha=A\nroot_kubeconfig_sha=A\n' : 'admin_conf=no\napiserver_manifest=no\napi=down\n' };
    }
    if (opts?.label === 'init: apply') {
      members.add(cp.name);
      const cfg = cp.files.get('/etc/kubernetes/kinstall/kubeadm-init.yaml');
      return { stdout: `Your Kubernetes control-plane has initialized successfully!\nkubeadm join 10.0.0.1:6443 --token ${tokenOf(cfg)} --discovery-token-ca-cert-hash ${hash} --control-plane --certificate-key ${keyOf(cfg)}\n` };
    }
    if (opts?.label === 'join: create token') {
      // kubectl apply -f - of the token Secret: prints nothing (the script discards it).
      if (!/token-secret:/.test(opts.stdin ?? '')) return { code: 1, stderr: 'no Secret on stdin' };
      return { stdout: '' };
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
    remotes[0]!.files.set('/etc/kubernetes/pki/ca.crt', ca.pem);
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
    const tokenSecret = YAML.parse(remotes[0]!.execs.find((e) => e.opts?.label === 'join: create token')!.opts!.stdin!).stringData;
    const joinToken = `${tokenSecret['token-id']}.${tokenSecret['token-secret']}`;
    secrets.push(joinToken, tokenSecret['token-secret']);
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
    // the CA pin comes from the control plane's ca.crt
    expect(cpJoin).toContain(ca.pin);
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
