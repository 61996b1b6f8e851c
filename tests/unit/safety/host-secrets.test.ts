import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/render.js';

/**
 * The kubeadm configs that carry the bootstrap token and the certificate key must not stay on a
 * host once used: the init, join and upload-certs scripts remove them on success, on failure
 * and when terminated. Run here under sh with a fake kubeadm on PATH and the config in a temp dir.
 */

function sandbox(kubeadm: string): { dir: string; config: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-hostsecrets-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'kubeadm'), `#!/bin/sh\n${kubeadm}\n`, { mode: 0o755 });
  const config = path.join(dir, 'kubeadm.yaml');
  fs.writeFileSync(config, 'token: abcdef.0123456789abcdef\n', { mode: 0o600 });
  return { dir, config, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

function run(script: string, env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { env, stdio: 'ignore' });
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), killAfterMs);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('kubeadm.yaml'));

describe('secret-bearing kubeadm configs on hosts', () => {
  it('join: removed when kubeadm join succeeds', async () => {
    const s = sandbox('exit 0');
    const r = await run(render('steps/join/apply.sh.hbs', { config: s.config, controlPlane: false, resetFirst: false }), s.env);
    expect(r.code).toBe(0);
    expect(leftovers(s.dir)).toEqual([]);
  });

  it('join: removed when kubeadm join fails', async () => {
    const s = sandbox('echo "join failed" >&2; exit 1');
    const r = await run(render('steps/join/apply.sh.hbs', { config: s.config, controlPlane: false, resetFirst: true }), s.env);
    expect(r.code).toBe(1);
    expect(leftovers(s.dir)).toEqual([]);
  });

  it('join: removed when the script is terminated while kubeadm runs', async () => {
    const s = sandbox('sleep 0.5; exit 0');
    const r = await run(render('steps/join/apply.sh.hbs', { config: s.config, controlPlane: false, resetFirst: false }), s.env, 200);
    expect(r.code).toBe(143);
    expect(leftovers(s.dir)).toEqual([]);
  });

  it('upload-certs: removed when kubeadm fails', async () => {
    const s = sandbox('exit 3');
    const r = await run(render('steps/join/upload-certs.sh.hbs', { config: s.config }), s.env);
    expect(r.code).toBe(3);
    expect(leftovers(s.dir)).toEqual([]);
  });

  it('init: removed when kubeadm init fails', async () => {
    const s = sandbox('case "$1" in init) echo "[init] failed" >&2; exit 1;; esac; exit 0');
    const marker = path.join(s.dir, 'init-done');
    const r = await run(render('steps/init/apply.sh.hbs', { config: s.config, init: true, resetFirst: false, waitSeconds: 1, marker }), s.env);
    expect(r.code).toBe(1);
    expect(leftovers(s.dir)).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('every script that reads such a config claims it with mktemp+mv and traps EXIT, HUP, INT, TERM, PIPE', () => {
    for (const t of ['steps/init/apply.sh.hbs', 'steps/join/apply.sh.hbs', 'steps/join/upload-certs.sh.hbs']) {
      const text = fs.readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'templates', t), 'utf8');
      expect(text, t).toMatch(/cfg=\$\(mktemp \{\{shq config\}\}\.XXXXXX\)\nmv -f -- \{\{shq config\}\} "\$cfg"\ntrap 'rm -f -- "\$cfg"' EXIT\n/);
      for (const sig of ['HUP', 'INT', 'TERM', 'PIPE']) expect(text, `${t} ${sig}`).toMatch(new RegExp(`trap 'exit \\d+' ${sig}`));
      expect(text.match(/--config \{\{shq config\}\}/g), `${t} uses the claimed copy only`).toBeNull();
    }
  });
});
