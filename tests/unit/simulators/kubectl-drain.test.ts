import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../../lab/simulators/src/common/apiserver/resources.js';
import { goDuration } from '../../../lab/simulators/src/common/kubectl-drain.js';
import { seedDrainFixture, simulatedControlPlane, type SimulatedControlPlane } from './simulated-control-plane.js';
import type { TestApiServer } from './test-apiserver.js';

const T = {
  nodes: findResource('', 'v1', 'nodes')!,
  pods: findResource('', 'v1', 'pods')!,
  pdbs: findResource('policy', 'v1', 'poddisruptionbudgets')!,
};

describe('Go durations as kubectl prints them', () => {
  it('5s, 1m0s, 1h0m0s, 1.5s, 300ms', () => {
    expect([5000, 60_000, 3_600_000, 1500, 300, 90_000].map(goDuration)).toEqual(['5s', '1m0s', '1h0m0s', '1.5s', '300ms', '1m30s']);
  });
});

describe('kubectl simulator: cordon, uncordon, drain (kubectl pkg/cmd/drain, pkg/drain) against the apiserver simulator', () => {
  let sim: SimulatedControlPlane;
  let api: TestApiServer;
  let stopKubelet = () => undefined as void;
  beforeAll(async () => {
    sim = await simulatedControlPlane('kubectl-drain', { controllerIntervalMs: 150 });
    api = sim.api;
    stopKubelet = await seedDrainFixture(api);
    await settle();
  }, 60_000);
  afterAll(async () => { stopKubelet(); await sim?.close(); });

  const kubectl = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(path.join(sim.binDir, 'kubectl.js'), ['--kubeconfig', sim.kubeconfig, ...args], { encoding: 'utf8', env: { ...process.env, KINSTALL_SIM_EVICT_RETRY_MS: '1000' } },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }));
  });
  const webPods = () => api.server.store.list(T.pods, 'default').filter((p) => p.metadata.labels?.app === 'web');
  /** Until the budget allows one disruption again (pods replaced and Ready, the controller caught up). */
  async function settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const st = api.server.store.get(T.pdbs, 'default', 'web')?.status;
      if (webPods().length === 2 && st?.disruptionsAllowed === 1) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the budget did not settle');
  }

  it('cordon and uncordon report the change or that nothing was needed', async () => {
    expect(await kubectl('cordon', 'w2')).toEqual({ status: 0, stdout: 'node/w2 cordoned\n', stderr: '' });
    expect(api.server.store.get(T.nodes, '', 'w2')!.spec.unschedulable).toBe(true);
    expect((await kubectl('cordon', 'w2')).stdout).toBe('node/w2 already cordoned\n');
    expect((await kubectl('uncordon', 'w2')).stdout).toBe('node/w2 uncordoned\n');
    expect(api.server.store.get(T.nodes, '', 'w2')!.spec?.unschedulable).toBeUndefined();
    expect((await kubectl('uncordon', 'node/w2')).stdout).toBe('node/w2 already uncordoned\n');
    expect((await kubectl('cordon', 'nope')).stderr).toBe('Error from server (NotFound): nodes "nope" not found\n');
  });

  it('DaemonSet pods stop a drain without --ignore-daemonsets; the node stays cordoned', async () => {
    const r = await kubectl('drain', 'w2');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('node/w2 cordoned\n');
    const ds = api.server.store.list(T.pods, 'default').find((p) => p.metadata.labels?.app === 'agent' && p.spec.nodeName === 'w2')!;
    expect(r.stderr).toBe(`error: unable to drain node "w2" due to error:cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/${ds.metadata.name}, continuing command...\n`
      + `error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/${ds.metadata.name}\n`);
    expect(api.server.store.get(T.nodes, '', 'w2')!.spec.unschedulable).toBe(true);
    await kubectl('uncordon', 'w2');
  });

  it('a drain the budget allows evicts through the API, the Deployment replaces the pod on the other node', async () => {
    await settle();
    const victim = webPods().find((p) => p.spec.nodeName === 'w2')!;
    expect(victim).toBeDefined();
    const r = await kubectl('drain', 'w2', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=20s');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`node/w2 cordoned\nevicting pod default/${victim.metadata.name}\npod/${victim.metadata.name} evicted\nnode/w2 drained\n`);
    expect(r.stderr).toMatch(/^WARNING: ignoring DaemonSet-managed Pods: default\/agent-[0-9a-f]{5}\n$/);
    await settle();
    expect(webPods().map((p) => p.spec.nodeName)).toEqual(['w1', 'w1']);
    await kubectl('uncordon', 'w2');
  });

  it('a budget with maxUnavailable 0 makes kubectl retry every delay and stop at the timeout', async () => {
    const b = api.server.store.get(T.pdbs, 'default', 'web')!;
    await api.admin.replace('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web', { ...b, spec: { maxUnavailable: 0, selector: b.spec.selector }, metadata: { ...b.metadata, resourceVersion: undefined } });
    const [p1, p2] = webPods().map((p) => p.metadata.name as string).sort();
    const r = await kubectl('drain', 'w1', '--ignore-daemonsets', '--timeout=2500ms');
    expect(r.status).toBe(1);
    const retry = (n: string) => `error when evicting pods/"${n}" -n "default" (will retry after 1s): Cannot evict pod as it would violate the pod's disruption budget.`;
    expect(r.stderr).toContain(retry(p1!));
    expect(r.stderr).toContain(retry(p2!));
    expect(r.stderr).toContain(`There are pending pods in node "w1" when an error occurred: [error when evicting pods/"`);
    expect(r.stderr).toContain(`pod/${p1}\npod/${p2}\n`);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^error: \[error when evicting pods\/"web-\w+" -n "default": global timeout reached: 2\.5s, error when evicting pods\/"web-\w+" -n "default": global timeout reached: 2\.5s\]$/);
    expect(webPods()).toHaveLength(2);
    expect(api.server.store.get(T.nodes, '', 'w1')!.spec.unschedulable).toBe(true);
  }, 20_000);

  it('a pod without a controller needs --force', async () => {
    await api.admin.create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { nodeName: 'w2', containers: [{ name: 'b', image: 'x' }] } });
    const r = await kubectl('drain', 'w2', '--ignore-daemonsets');
    expect(r.stderr).toContain('error: cannot delete Pods declare no controller (use --force to override): default/bare\n');
    const forced = await kubectl('drain', 'w2', '--ignore-daemonsets', '--force');
    expect(forced.status).toBe(0);
    expect(forced.stderr).toContain('deleting Pods that declare no controller: default/bare');
    expect(forced.stdout).toContain('pod/bare evicted\nnode/w2 drained\n');
  }, 20_000);
});
