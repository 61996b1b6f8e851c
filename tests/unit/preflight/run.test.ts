import { describe, expect, it } from 'vitest';
import { ExitCode, KinstallError } from '../../../src/errors.js';
import { RunLog } from '../../../src/log.js';
import { clusterChecks } from '../../../src/preflight/checks.js';
import { evaluate, exitCodeFor, runPreflight } from '../../../src/preflight/run.js';
import type { CollectedHost } from '../../../src/preflight/types.js';
import { formatReportJson } from '../../../src/report/json.js';
import { formatReportTable } from '../../../src/report/table.js';
import type { ExecResult, RemoteHost } from '../../../src/ssh/types.js';
import { FakeRemote } from '../../helpers/fake-remote.js';
import { fixtureFacts, fixtureText, makeHost, makeInventory } from './helpers.js';

const a = makeHost('a', ['control-plane'], '10.77.0.11');
const b = makeHost('b', ['worker'], '10.77.0.12');
const c = makeHost('c', ['worker'], '10.77.0.13');

function cluster(id: string, hosts: CollectedHost[]) {
  return clusterChecks.find((x) => x.id === id)!.run(hosts, makeInventory());
}

describe('cross-host checks', () => {
  it('unique-mac: the same MAC on two hosts fails and names them', () => {
    const fa = fixtureFacts('ubuntu2204');
    const fb = fixtureFacts('ubuntu2204');
    fb.links = [{ name: 'enp0s3', mac: '08:00:27:8a:11:01', virtual: false }];
    const r = cluster('unique-mac', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]);
    expect(r).toMatchObject({ status: 'fail', hosts: ['a', 'b'] });
    expect(r.message).toContain('08:00:27:8a:11:01 on a (enp0s3), b (enp0s3)');
    fb.links = [{ name: 'enp0s3', mac: '08:00:27:8a:11:02', virtual: false }];
    expect(cluster('unique-mac', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]).status).toBe('pass');
  });
  it('unique-product-uuid: duplicate machine-id without DMI fails and says machine-id was used', () => {
    const fa = fixtureFacts('debian12');
    const fb = fixtureFacts('debian12');
    const r = cluster('unique-product-uuid', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]);
    expect(r.status).toBe('fail');
    expect(r.message).toContain(`machine-id ${fa.machineId} on a, b`);
    expect(r.message).toContain('systemd-machine-id-setup');
  });
  it('unique-product-uuid: distinct product_uuid passes even when machine-id repeats, and says product_uuid was used', () => {
    const fa = fixtureFacts('ubuntu2204');
    const fb = fixtureFacts('ubuntu2204');
    fb.productUuid = '11111111-2222-3333-4444-555555555555';
    const r = cluster('unique-product-uuid', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]);
    expect(r).toMatchObject({ status: 'pass', message: 'unique (product_uuid on a, b)' });
    fb.productUuid = fa.productUuid!.toUpperCase();
    expect(cluster('unique-product-uuid', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]).message).toContain('product_uuid 4d2c1f0e');
  });
  it('unique-hostname: duplicate real hostnames fail only when kinstall does not set them', () => {
    const fa = fixtureFacts('rocky9');
    const fb = fixtureFacts('rocky9');
    const keep = (h: typeof a) => ({ ...h, setHostname: false });
    expect(cluster('unique-hostname', [{ host: keep(a), facts: fa, clockOffsetSeconds: 0 }, { host: keep(b), facts: fb, clockOffsetSeconds: 0 }]).status).toBe('fail');
    expect(cluster('unique-hostname', [{ host: a, facts: fa, clockOffsetSeconds: 0 }, { host: b, facts: fb, clockOffsetSeconds: 0 }]).status).toBe('pass');
  });
  it('time-skew: more than 30 s between hosts fails and names the odd host', () => {
    const f = () => fixtureFacts('debian12');
    const hosts = (off: number) => [
      { host: a, facts: f(), clockOffsetSeconds: 0.4 },
      { host: b, facts: f(), clockOffsetSeconds: -1 },
      { host: c, facts: f(), clockOffsetSeconds: off },
    ];
    expect(cluster('time-skew', hosts(29)).status).toBe('pass');
    const r = cluster('time-skew', hosts(95));
    expect(r).toMatchObject({ status: 'fail', hosts: ['c'] });
    expect(r.message).toContain('clocks differ by 96 s');
  });
});

describe('evaluate', () => {
  it('preflight.ignore turns a failure into a warning and says so', () => {
    const inv = makeInventory({ preflight: { ignore: ['swap'] } });
    const report = evaluate(inv, [b], { collected: [{ host: b, facts: fixtureFacts('ubuntu2204'), clockOffsetSeconds: 0 }], unreachable: [] });
    const swap = report.hosts[0]!.checks.find((x) => x.id === 'swap')!;
    expect(swap).toMatchObject({ status: 'warn', message: 'ignored by preflight.ignore: swap is on: /swap.img 2.0 GiB' });
  });
  it('produces the JSON shape of issue 3 and counts the summary', () => {
    const report = evaluate(makeInventory(), [a, b], {
      collected: [{ host: a, facts: fixtureFacts('debian12'), clockOffsetSeconds: 0 }],
      unreachable: [{ host: b, message: 'connection refused' }],
    });
    const json = JSON.parse(formatReportJson(report));
    expect(Object.keys(json)).toEqual(['hosts', 'cluster', 'summary']);
    expect(Object.keys(json.hosts[0])).toEqual(['name', 'address', 'checks']);
    expect(Object.keys(json.hosts[0].checks[0])).toEqual(['id', 'status', 'message', 'fix']);
    expect(Object.keys(json.cluster[0])).toEqual(['id', 'status', 'message', 'hosts']);
    expect(Object.keys(json.summary)).toEqual(['pass', 'warn', 'fail']);
    expect(json.hosts[1]).toEqual({ name: 'b', address: '10.77.0.12', checks: [{ id: 'reachable', status: 'fail', message: 'connection refused', fix: expect.any(String) }] });
    const all = [...report.hosts.flatMap((h) => h.checks), ...report.cluster];
    expect(report.summary.fail).toBe(all.filter((x) => x.status === 'fail').length);
    expect(report.summary.pass + report.summary.warn + report.summary.fail).toBe(all.filter((x) => x.status !== 'skip').length);
    expect(exitCodeFor(report)).toBe(ExitCode.unreachable);
  });
  it('the table shows each host, its fixes under the failures, and no colour unless asked', () => {
    const report = evaluate(makeInventory(), [b], { collected: [{ host: b, facts: fixtureFacts('ubuntu2204'), clockOffsetSeconds: 0 }], unreachable: [] });
    const plain = formatReportTable(report, { color: false });
    expect(plain).toContain('b (10.77.0.12)');
    expect(plain).toMatch(/swap\s+fail\s+swap is on: \/swap.img 2.0 GiB/);
    expect(plain).toContain('how to fix:\n');
    expect(plain).toContain('    swap: swapoff -a');
    expect(plain).not.toContain('\x1b[');
    expect(formatReportTable(report, { color: true })).toContain('\x1b[31mfail');
  });
});

/** A fake host whose every exec answers (or throws) as `answer` says. */
function fakeRemote(name: string, answer: () => Partial<ExecResult>): FakeRemote {
  const remote = new FakeRemote(name);
  remote.responders.push(answer);
  return remote;
}

describe('runPreflight with fake hosts', () => {
  it('runs one facts script per host and reports unreachable and sudo-refused hosts with exit 3', async () => {
    const now = Math.floor(Date.now() / 1000);
    const healthy = fixtureText('debian12.txt').replace(/^epoch=\d+$/m, `epoch=${now}`);
    const ra = fakeRemote('a', () => ({ stdout: healthy, stderr: '', code: 0 }));
    const rc = fakeRemote('c', () => {
      throw new KinstallError('sudo: wrong password for ops', { exitCode: ExitCode.unreachable, host: 'c', hint: 'check sudoPasswordEnv' });
    });
    const report = await runPreflight({
      inventory: makeInventory(),
      hosts: [a, b, c],
      remotes: new Map<string, RemoteHost>([['a', ra], ['c', rc]]),
      log: new RunLog(),
      connectFailures: [new KinstallError('connection refused (10.77.0.12:22)', { exitCode: ExitCode.unreachable, host: 'b', hint: 'is sshd running?' })],
    });
    expect(ra.execs).toHaveLength(1);
    expect(ra.execs[0]!.script).toContain('kv end ok');
    expect(report.hosts.map((h) => h.name)).toEqual(['a', 'b', 'c']);
    expect(report.hosts[0]!.checks.length).toBeGreaterThan(20);
    expect(report.hosts[1]!.checks).toEqual([{ id: 'reachable', status: 'fail', message: 'connection refused (10.77.0.12:22)', fix: 'is sshd running?' }]);
    expect(report.hosts[2]!.checks[0]).toMatchObject({ id: 'reachable', message: 'sudo: wrong password for ops' });
    expect(report.cluster.find((x) => x.id === 'time-skew')!.hosts).toEqual(['a']);
    expect(exitCodeFor(report)).toBe(ExitCode.unreachable);
  });
  it('a truncated facts output is reported, not parsed half-way; onlyHosts limits the audit', async () => {
    const broken = fakeRemote('a', () => ({ stdout: 'format=1\nuid=0\n', stderr: 'sh: 12: syntax error', code: 2 }));
    const report = await runPreflight({ inventory: makeInventory(), hosts: [a, b], remotes: new Map([['a', broken]]), log: new RunLog(), onlyHosts: ['a'] });
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0]!.checks[0]).toMatchObject({ id: 'reachable', message: expect.stringContaining('facts script failed') });
  });
  it('exit code 1 when a check fails on reachable hosts, 0 when everything passes or is ignored', () => {
    const f = fixtureFacts('debian12');
    const report = evaluate(makeInventory(), [a], { collected: [{ host: a, facts: f, clockOffsetSeconds: 0 }], unreachable: [] });
    expect(exitCodeFor(report)).toBe(ExitCode.checksFailed);
    const failing = report.hosts[0]!.checks.filter((x) => x.status === 'fail').map((x) => x.id);
    const ignored = evaluate(makeInventory({ preflight: { ignore: failing } }), [a], { collected: [{ host: a, facts: f, clockOffsetSeconds: 0 }], unreachable: [] });
    expect(exitCodeFor(ignored)).toBe(ExitCode.ok);
  });
});

describe('cluster checks without audited hosts', () => {
  it('are skipped rather than passed', () => {
    const report = evaluate(makeInventory(), [a], { collected: [], unreachable: [{ host: a, message: 'refused' }] });
    expect(report.cluster.every((x) => x.status === 'skip')).toBe(true);
  });
});
