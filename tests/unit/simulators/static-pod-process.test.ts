import { describe, expect, it } from 'vitest';
import { StaticPodProcess } from '../../../lab/simulators/src/common/static-pod-process.js';

/**
 * The kubelet simulator's static pods are its child processes, in kubelet.service's cgroup. When
 * the kubelet stops (systemctl restart kubelet, as every upgrade does), a child that ignores
 * SIGTERM for a while (the apiserver simulator waiting in a synchronous call to the etcd stopped
 * beside it) kept systemd waiting its TimeoutStopSec, 90 s, before SIGKILL. stopAndWait gives the
 * process a grace period and then kills it, so the kubelet leaves nothing behind when it exits.
 */
const stubborn = `process.on('SIGTERM', () => {}); process.stdout.write('up\\n'); setInterval(() => {}, 1000);`;

describe('StaticPodProcess.stopAndWait', () => {
  it('kills a process that ignores SIGTERM once the grace period is over, and resolves when it is gone', async () => {
    const pod = new StaticPodProcess('kube-apiserver', () => [process.execPath, ['-e', stubborn]]);
    pod.ensure(['--any'], 'img:v1');
    await new Promise((r) => setTimeout(r, 500)); // the child installs its handler
    expect(pod.running()).toBe(true);
    const started = Date.now();
    await pod.stopAndWait(300);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
    expect(pod.running()).toBe(false);
  });

  it('resolves at once for a pod that was not running, and does not restart a stopped pod', async () => {
    const pod = new StaticPodProcess('etcd', () => [process.execPath, ['-e', 'setTimeout(() => {}, 60000)']]);
    await pod.stopAndWait(300);
    pod.ensure(['--a'], '');
    await pod.stopAndWait(300); // a plain SIGTERM ends it well within the grace
    await new Promise((r) => setTimeout(r, 1_500)); // longer than the first crash-loop back-off
    expect(pod.running()).toBe(false);
    expect(pod.restartCount()).toBe(0);
  });
});
