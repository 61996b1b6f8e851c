import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { RunLog } from '../../../src/log.js';
import { redact, registerSecret } from '../../../src/redact.js';
import { initStep } from '../../../src/steps/init.js';
import { formatPlan, formatSummary, runSteps } from '../../../src/steps/run.js';
import { FakeRemote, fakeContext, fakeHost } from '../steps/fakes.js';

/**
 * Redaction everywhere (issue 10 item 7): a failing `kubeadm init` prints its join command with
 * the bootstrap token and the certificate key. Neither may reach the console (progress, plan,
 * summary, error lines), the run log or a thrown error's text.
 */

const freshInitState = 'init_done=no\nadmin_conf=no\napiserver_manifest=no\napi=down\nadmin_conf_sha=absent\nroot_kubeconfig_sha=absent\n';

describe('redaction everywhere', () => {
  it('a failing kubeadm init that prints the token and certificate key: no output, log or error holds them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-redact-'));
    const logFile = path.join(dir, 'run.log');
    const log = new RunLog(logFile);
    const cp = new FakeRemote('cp1', log);
    const seen: { token?: string; key?: string } = {};
    cp.responders.push((_script, opts) => {
      if (opts?.label === 'init: probe') return { stdout: freshInitState };
      if (opts?.label !== 'init: apply') return undefined;
      // What kubeadm prints: the values come from the config kinstall uploaded.
      const cfg = cp.files.get('/etc/kubernetes/kinstall/kubeadm-init.yaml') ?? '';
      seen.token = /token: "?([a-z0-9]{6}\.[a-z0-9]{16})/.exec(cfg)?.[1];
      seen.key = /certificateKey: "?([0-9a-f]{64})/.exec(cfg)?.[1];
      return {
        code: 1,
        stdout: `You can now join any number of control-plane nodes:\n  kubeadm join 10.0.0.1:6443 --token ${seen.token} --discovery-token-ca-cert-hash sha256:00 --control-plane --certificate-key ${seen.key}\n`,
        stderr: `error execution phase addon/coredns: kubeadm join --token ${seen.token} --certificate-key ${seen.key} failed\n`,
      };
    });
    const progress = new PassThrough();
    let progressText = '';
    progress.on('data', (c: Buffer) => (progressText += c.toString()));
    const host = fakeHost('cp1', ['control-plane']);
    const result = await runSteps([initStep], fakeContext([host], [cp], log), {
      dryRun: false,
      concurrency: 1,
      renderer: 'simple',
      progress: progress as unknown as NodeJS.WriteStream,
    });
    log.close();

    expect(seen.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(seen.key).toMatch(/^[0-9a-f]{64}$/);
    expect(result.exitCode).toBe(ExitCode.stepFailed);
    const failure = result.failures[0]!;
    const outputs = {
      'progress (listr2)': progressText,
      plan: formatPlan(result),
      summary: formatSummary(result),
      'error message': failure.message,
      'error format()': failure.format(),
      'error hint': failure.hint ?? '',
      'run log': fs.readFileSync(logFile, 'utf8'),
    };
    expect(progressText).toContain('cp1'); // the progress stream was captured
    expect(outputs.summary).toContain('<redacted>');
    expect(outputs['run log']).toContain('<redacted>');
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of [seen.token!, seen.token!.split('.')[1]!, seen.key!]) {
        expect(text.includes(secret), `${name} holds a secret`).toBe(false);
      }
    }
  });

  it('a KinstallError is redacted when built and again when printed (secrets registered later)', () => {
    registerSecret('first-secret-value');
    const e = new KinstallError('exit 1: first-secret-value then later-secret-value', { exitCode: ExitCode.stepFailed, hint: 'retry with first-secret-value' });
    expect(e.message).toBe('exit 1: <redacted> then later-secret-value');
    expect(e.hint).toBe('retry with <redacted>');
    registerSecret('later-secret-value');
    expect(e.format()).toBe('exit 1: <redacted> then <redacted>\n  fix: retry with <redacted>');
  });

  it('the CLI prints errors through the redactor', async () => {
    const secret = 'cli-printed-secret-42';
    registerSecret(secret);
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const code = await main(['node', 'kinstall', 'up', path.join(os.tmpdir(), `${secret}.yaml`)]);
      expect(code).toBe(ExitCode.usage);
    } finally {
      spy.mockRestore();
    }
    const text = writes.join('');
    expect(text).toContain('<redacted>');
    expect(text).not.toContain(secret);
  });

  it('short values are never redacted (they would mangle the output), longest secrets first', () => {
    registerSecret('abc');
    expect(redact('abc')).toBe('abc');
    registerSecret('outer-secret-inner');
    registerSecret('secret-inner');
    expect(redact('x outer-secret-inner y')).toBe('x <redacted> y');
  });
});
