// Issue 11 item 12: "say on the console while waiting" — remote `kinstall-progress:` lines reach the
// step's task output while the command still runs.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressLines } from '../../../src/ssh/remote.js';
import type { RemoteHost } from '../../../src/ssh/types.js';
import { runSteps } from '../../../src/steps/run.js';
import type { Step } from '../../../src/steps/types.js';
import { FakeRemote, fakeContext, fakeHost } from '../steps/fakes.js';

describe('progress channel', () => {
  it('passes on only the prefixed stderr lines, across chunk boundaries', () => {
    const got: string[] = [];
    const feed = progressLines((l) => got.push(l));
    feed(Buffer.from('E: noise\nkinstall-progress: waiting for the package manager: /var/lib/dpkg/lock-frontend is held by pid 4'));
    feed(Buffer.from('2 (apt-get) (0 s of 600 s)\nkinstall-prog'));
    feed(Buffer.from('ress: package manager lock free after 6 s\n'));
    expect(got).toEqual([
      'waiting for the package manager: /var/lib/dpkg/lock-frontend is held by pid 42 (apt-get) (0 s of 600 s)',
      'package manager lock free after 6 s',
    ]);
  });

  it('the step runner shows a host remote progress line as that host task output', async () => {
    const host = fakeHost('n1', ['control-plane', 'worker']);
    const remote = new FakeRemote('n1');
    let applied = false;
    const step: Step = {
      id: 'demo',
      title: 'Demo step',
      hosts: (ctx) => ctx.targets,
      probe: async () => ({ changes: applied ? [] : ['install things'] }),
      apply: async (_ctx, _host, r) => {
        r.progress?.('waiting for the package manager: /var/lib/dpkg/lock is held by pid 42 (unattended-upgr)');
        await new Promise((resolve) => setTimeout(resolve, 50));
        applied = true;
      },
    };
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const result = await runSteps([step], fakeContext([host], [remote]), { dryRun: false, concurrency: 1, renderer: 'simple', progress: out as unknown as NodeJS.WriteStream });
    expect(result.exitCode).toBe(0);
    expect(text).toContain('n1: waiting for the package manager: /var/lib/dpkg/lock is held by pid 42 (unattended-upgr)');
    expect((remote as RemoteHost).progress).toBeUndefined();
  });
});
