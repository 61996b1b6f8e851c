import { describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { formatPlan, formatSummary, runSteps } from '../../../src/steps/run.js';
import type { Step, StepContext } from '../../../src/steps/types.js';
import { FakeRemote, fakeContext, fakeHost } from './fakes.js';

/** A step whose state lives in a Set: converged hosts are in it; apply adds the host. */
function setStep(id: string, done: Set<string>, over: Partial<Step> = {}): Step & { applied: string[] } {
  const applied: string[] = [];
  return {
    id,
    title: id,
    applied,
    hosts: (ctx: StepContext) => ctx.hosts,
    probe: async (_ctx, host, remote) => {
      await remote.exec(`probe ${id}`, { label: `${id}: probe` });
      return { changes: done.has(host.name) ? [] : [`set ${id} on ${host.name}`] };
    },
    apply: async (_ctx, host, remote) => {
      await remote.exec(`apply ${id}`, { label: `${id}: apply` });
      await remote.upload(`/etc/${id}`, 'x');
      applied.push(host.name);
      done.add(host.name);
    },
    ...over,
  };
}

function setup(n = 3) {
  const hosts = Array.from({ length: n }, (_, i) => fakeHost(`node${i + 1}`, i === 0 ? ['control-plane'] : ['worker']));
  const remotes = hosts.map((h) => new FakeRemote(h.name));
  return { hosts, remotes, ctx: fakeContext(hosts, remotes) };
}

const opts = { concurrency: 4, renderer: 'silent' as const };

describe('runSteps', () => {
  it('dry run probes only: no apply, no upload, plan lists every change', async () => {
    const { remotes, ctx } = setup();
    const a = setStep('a', new Set(['node1']));
    const b = setStep('b', new Set());
    const res = await runSteps([a, b], ctx, { ...opts, dryRun: true });
    expect(res.exitCode).toBe(ExitCode.ok);
    expect(a.applied).toEqual([]);
    expect(b.applied).toEqual([]);
    for (const r of remotes) {
      expect(r.uploads).toEqual([]);
      expect(r.execs.every((e) => e.script.startsWith('probe '))).toBe(true);
    }
    const plan = formatPlan(res);
    expect(plan).toContain('node1: done already');
    expect(plan).toContain('    - set a on node2');
    expect(plan).toContain('    - set b on node1');
    expect(formatSummary(res)).toMatch(/a\s+2 would change, 1 unchanged/);
  });

  it('applies where needed, re-probes, and a second run reports zero changes', async () => {
    const { ctx } = setup();
    const done = new Set(['node2']);
    const a = setStep('a', done);
    const first = await runSteps([a], ctx, { ...opts, dryRun: false });
    expect(first.exitCode).toBe(ExitCode.ok);
    expect(a.applied.sort()).toEqual(['node1', 'node3']);
    expect(first.steps[0]!.hosts.filter((h) => h.status === 'changed')).toHaveLength(2);
    const again = await runSteps([a], ctx, { ...opts, dryRun: false });
    expect(again.steps[0]!.hosts.every((h) => h.status === 'unchanged')).toBe(true);
    expect(formatSummary(again)).toMatch(/a\s+0 changed, 3 unchanged/);
  });

  it('a failing host is skipped by later steps, others continue, exit 4', async () => {
    const { ctx } = setup();
    const a = setStep('a', new Set());
    const applyA = a.apply;
    a.apply = async (c, host, remote, plan) => {
      if (host.name === 'node2') throw new Error('disk full');
      await applyA(c, host, remote, plan);
    };
    const b = setStep('b', new Set());
    const res = await runSteps([a, b], ctx, { ...opts, dryRun: false });
    expect(res.exitCode).toBe(ExitCode.stepFailed);
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]!.host).toBe('node2');
    expect(res.failures[0]!.message).toContain('disk full');
    expect(b.applied.sort()).toEqual(['node1', 'node3']);
    expect(res.steps[1]!.hosts.find((h) => h.host === 'node2')!.status).toBe('skipped');
  });

  it('a step that still has changes after apply fails with the remaining changes', async () => {
    const { ctx } = setup(1);
    const stubborn: Step = {
      id: 'stubborn',
      title: 'stubborn',
      hosts: (c) => c.hosts,
      probe: async () => ({ changes: ['swap is still on'] }),
      apply: async () => {},
    };
    const res = await runSteps([stubborn], ctx, { ...opts, dryRun: false });
    expect(res.exitCode).toBe(ExitCode.stepFailed);
    expect(res.failures[0]!.format()).toContain('node1: step stubborn did not converge; still to change: swap is still on');
  });

  it('a critical step failure stops every host', async () => {
    const { ctx } = setup();
    const crit: Step = {
      id: 'init',
      title: 'init',
      critical: true,
      hosts: (c) => c.hosts.slice(0, 1),
      probe: async () => ({ changes: ['init'] }),
      apply: async () => {
        throw new KinstallError('kubeadm init failed', { exitCode: ExitCode.stepFailed, hint: 'look' });
      },
    };
    const b = setStep('b', new Set());
    const res = await runSteps([crit, b], ctx, { ...opts, dryRun: false });
    expect(res.exitCode).toBe(ExitCode.stepFailed);
    expect(b.applied).toEqual([]);
    expect(res.steps[1]!.hosts.every((h) => h.status === 'skipped')).toBe(true);
    expect(res.failures[0]!.host).toBe('node1');
  });

  it('keeps the exit code of a KinstallError (preflight failure → 1)', async () => {
    const { ctx } = setup(1);
    const pf: Step = {
      id: 'preflight',
      title: 'preflight',
      critical: true,
      hosts: (c) => c.hosts,
      probe: async () => {
        throw new KinstallError('swap: fail', { exitCode: ExitCode.checksFailed });
      },
      apply: async () => {},
    };
    const res = await runSteps([pf], ctx, { ...opts, dryRun: false });
    expect(res.exitCode).toBe(ExitCode.checksFailed);
  });

  it('serial steps run one host at a time; parallel ones overlap', async () => {
    const { ctx } = setup(3);
    const track = () => {
      let active = 0;
      let peak = 0;
      const done = new Set<string>();
      const step: Step = {
        id: 't',
        title: 't',
        hosts: (c) => c.hosts,
        probe: async (_c, h) => ({ changes: done.has(h.name) ? [] : ['x'] }),
        apply: async (_c, h) => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 20));
          active--;
          done.add(h.name);
        },
      };
      return { step, peak: () => peak };
    };
    const serial = track();
    serial.step.serial = true;
    await runSteps([serial.step], ctx, { ...opts, dryRun: false });
    expect(serial.peak()).toBe(1);
    const parallel = track();
    await runSteps([parallel.step], ctx, { ...opts, dryRun: false });
    expect(parallel.peak()).toBe(3);
  });

  it('a stop request lets the running command finish, applies nothing more, exits 130', async () => {
    const { ctx } = setup(1);
    const stop = { requested: false };
    const a = setStep('a', new Set());
    const origProbe = a.probe;
    a.probe = async (c, h, r) => {
      const plan = await origProbe(c, h, r);
      stop.requested = true; // Ctrl-C arrives while the probe runs
      return plan;
    };
    const b = setStep('b', new Set());
    const res = await runSteps([a, b], ctx, { ...opts, dryRun: false, stop });
    expect(res.exitCode).toBe(ExitCode.interrupted);
    expect(a.applied).toEqual([]);
    expect(b.applied).toEqual([]);
  });

  it('elapsed time comes from the clock', async () => {
    const { ctx } = setup(1);
    let t = 1000;
    const res = await runSteps([], ctx, { ...opts, dryRun: false, now: () => (t += 2500) });
    expect(res.elapsedMs).toBe(2500);
    expect(formatSummary(res)).toContain('finished in 2.5s');
  });
});

describe('formatPlan after a real run', () => {
  it('leaves out hosts that were already done', async () => {
    const { ctx } = setup();
    const a = setStep('a', new Set(['node1', 'node3']));
    const res = await runSteps([a], ctx, { ...opts, dryRun: false });
    expect(formatPlan(res, { onlyChanges: true })).toBe('a:\n  node2: changed\n    - set a on node2');
    const again = await runSteps([a], ctx, { ...opts, dryRun: false });
    expect(formatPlan(again, { onlyChanges: true })).toBe('');
  });
});
