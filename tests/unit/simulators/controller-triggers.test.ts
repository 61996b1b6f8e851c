import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/**
 * The simulated controllers act on change, as informer-driven controllers do: an idle control
 * plane makes no pass over the store on every tick (that kept the API server and etcd busy in the
 * emulated Vagrant VMs), and a change is still acted on at the next tick.
 */
describe('apiserver simulator: controller passes', () => {
  let api: TestApiServer;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  beforeAll(async () => { api = await startTestApiServer('controller-triggers', { controllerIntervalMs: 50 }); }, 30_000);
  afterAll(async () => { await api?.close(); });

  it('idle: no pass over the store between resyncs; a new namespace still gets its default ServiceAccount at once', async () => {
    // The first passes create each namespace's default ServiceAccount and kube-root-ca.crt; then it is quiet.
    await sleep(600);
    const list = vi.spyOn(api.server.store, 'list');
    try {
      await sleep(500); // ten ticks, each renewing the controllers' Lease
      expect(list).not.toHaveBeenCalled();
      await api.admin.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'triggered' } });
      const deadline = Date.now() + 3_000;
      while ((await api.admin.request('GET', '/api/v1/namespaces/triggered/serviceaccounts/default')).status !== 200) {
        if (Date.now() > deadline) throw new Error('no default ServiceAccount in namespace triggered after 3 s');
        await sleep(50);
      }
      expect(list).toHaveBeenCalled();
    } finally {
      list.mockRestore();
    }
  });
});
