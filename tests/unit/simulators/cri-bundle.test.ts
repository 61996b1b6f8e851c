import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerdAvailable, startContainerd, type PrivateContainerd } from './cri-harness.js';

/**
 * The shipped artefacts are esbuild bundles, not the TypeScript the other tests import: check
 * that the bundled gRPC client and the embedded proto work from a single CommonJS file.
 */
describe.skipIf(!containerdAvailable())('bundled crictl and kubeadm', () => {
  let out: string;
  let ctd: PrivateContainerd;
  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-bundle-'));
    execFileSync('node', ['lab/simulators/build.mjs', '--outdir', out, 'crictl', 'kubeadm'], { stdio: 'pipe' });
    fs.writeFileSync(path.join(out, 'crictl.version.json'), '{"kubernetes":"1.28.0","criTools":"1.28.0"}');
    fs.writeFileSync(path.join(out, 'kubeadm.version.json'), '{"kubernetes":"1.28.15"}');
    ctd = await startContainerd();
  }, 60_000);
  afterAll(async () => {
    await ctd?.stop();
    fs.rmSync(out, { recursive: true, force: true });
  });
  const run = (tool: string, args: string[]) => spawnSync(path.join(out, `${tool}.js`), args, { encoding: 'utf8', env: { ...process.env, KINSTALL_SIM_VERSION_FILE: '' } });

  it('the bundles are single executable CommonJS files with one hashbang', () => {
    const text = fs.readFileSync(path.join(out, 'crictl.js'), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n"use strict";')).toBe(true);
    expect(fs.statSync(path.join(out, 'crictl.js')).mode & 0o111).toBeTruthy();
  });
  it('crictl reads its version beside the bundle and answers through CRI', () => {
    expect(run('crictl', ['--version']).stdout).toBe('crictl version v1.28.0 (kinstall lab simulator)\n');
    const v = run('crictl', ['-r', ctd.endpoint, 'version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/RuntimeName:  containerd\nRuntimeVersion:  1\.6\.\d+/);
  });
  it('kubeadm from the bundle', () => {
    expect(run('kubeadm', ['version', '-o', 'short']).stdout).toBe('v1.28.15\n');
    const bad = run('kubeadm', ['init', '--bogus']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('unknown flag: --bogus\nTo see the stack trace of this error execute with --v=5 or higher\n');
  });
  // Each simulator process start costs ~10 s in the emulated Vagrant VMs, most of it gRPC and the
  // etcd client: kubeadm loads them only for commands that talk to containerd or etcd.
  it('kubeadm loads gRPC only for commands that talk to containerd (version and images list do not)', () => {
    const hook = path.join(out, 'report-http2.cjs');
    fs.writeFileSync(hook, `const M = require('module'); const load = M._load;
M._load = function (req, ...rest) { if (req === 'http2' || req === 'node:http2') process.stderr.write('LOADED http2\\n'); return load.call(this, req, ...rest); };`);
    const traced = (args: string[]) => spawnSync(path.join(out, 'kubeadm.js'), args, { encoding: 'utf8', env: { ...process.env, KINSTALL_SIM_VERSION_FILE: '', NODE_OPTIONS: `--require ${hook}` } });
    const version = traced(['version', '-o', 'short']);
    expect(version.stdout).toBe('v1.28.15\n');
    expect(version.stderr).not.toContain('LOADED http2');
    const list = traced(['config', 'images', 'list', '--kubernetes-version', 'v1.28.15']);
    expect(list.stdout).toContain('registry.k8s.io/kube-apiserver:v1.28.15\n');
    expect(list.stderr).not.toContain('LOADED http2');
    // The lazily loaded client still works from the bundle: the CRI check of preflight reaches it.
    const pull = traced(['config', 'images', 'pull', '--kubernetes-version', 'v1.28.15', '--cri-socket', ctd.endpoint, '--image-repository', '127.0.0.1:1/none']);
    expect(pull.stderr).toContain('LOADED http2');
    expect(pull.stderr).toMatch(/failed to pull image "127\.0\.0\.1:1\/none\/kube-apiserver:v1\.28\.15"/);
  });
});
