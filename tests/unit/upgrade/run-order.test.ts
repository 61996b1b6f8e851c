import { describe, expect, it } from 'vitest';
import { runSteps } from '../../../src/steps/run.js';
import type { Step } from '../../../src/steps/types.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { fakeContext, fakeHost } from '../steps/fakes.js';

describe('a step\'s concurrency limit (--max-unavailable)', () => {
  for (const limit of [1, 2]) {
    it(`never has more than ${limit} host(s) in apply at once, whatever --concurrency says`, async () => {
      const hosts = ['w1', 'w2', 'w3', 'w4'].map((n) => fakeHost(n, ['worker']));
      const ctx = { ...fakeContext(hosts, hosts.map((h) => new FakeRemote(h.name))), maxUnavailable: limit };
      let inFlight = 0;
      let most = 0;
      const step: Step = {
        id: 'x', title: 'x', hosts: (c) => c.targets, concurrency: (c) => c.maxUnavailable ?? 1,
        probe: async (_c, h) => ({ changes: (ctx.memo.get(h.name) ? [] : ['do it']) }),
        apply: async (_c, h) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, 30));
          ctx.memo.set(h.name, Promise.resolve(true));
          inFlight--;
        },
      };
      const res = await runSteps([step], ctx, { dryRun: false, concurrency: 20, renderer: 'silent' });
      expect(res.exitCode).toBe(0);
      expect(most).toBe(limit);
    });
  }
});
