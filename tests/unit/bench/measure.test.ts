import { describe, expect, it } from 'vitest';
import { measure } from '../../../bench/lib/measure.js';

describe('measure', () => {
  it('reports wall time, CPU, peak RSS, exit code and output of the command', async () => {
    // Busy for a while so the CPU figure is clearly above zero, then exit 3.
    const m = await measure(['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; exit 3'], { timeoutMs: 30_000 });
    expect(m.exitCode).toBe(3);
    expect(m.stdout).toBe('done\n');
    expect(m.timedOut).toBe(false);
    expect(m.cpuMs).toBeGreaterThan(10);
    expect(m.wallMs).toBeGreaterThanOrEqual(m.cpuMs * 0.5);
    expect(m.peakRssKb).toBeGreaterThan(100);
  });

  it('charges processes that outlive the command and ends them (cgroup mode, as root)', async () => {
    // The background child keeps burning CPU after sh exits, like a persisted ssh master.
    const m = await measure(['sh', '-c', '(i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; sleep 30) & exit 0'], { timeoutMs: 30_000 });
    if (m.cpuSource !== 'cgroup') return; // rusage cannot see orphans: nothing to assert without root
    expect(m.exitCode).toBe(0);
    expect(m.cpuMs).toBeGreaterThan(10);
    expect(m.wallMs).toBeLessThan(25_000);
  });

  it('kills the whole tree at the deadline', async () => {
    const m = await measure(['sh', '-c', 'sleep 30; echo late'], { timeoutMs: 300 });
    expect(m.timedOut).toBe(true);
    expect(m.stdout).toBe('');
    expect(m.wallMs).toBeLessThan(10_000);
  });
});
