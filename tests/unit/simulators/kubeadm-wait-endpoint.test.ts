import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitControlPlane } from '../../../lab/simulators/src/common/kubeadm/control-plane.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/**
 * kubeadm's wait-control-plane waits for the API THROUGH the controlPlaneEndpoint (upstream
 * cmd/kubeadm/app/cmd/phases/init/waitcontrolplane.go: WaitForAPI with data.Client(), the admin
 * kubeconfig): a load balancer in front (kinstall's node-local haproxy) must have marked the API
 * server up before the phases after it use the endpoint.
 */
let api: TestApiServer;
beforeAll(async () => {
  api = await startTestApiServer('wait-endpoint');
});
afterAll(async () => {
  await api.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/** A TCP forwarder on `port` to the API server (what haproxy does once its check passed). */
function forward(port: number): Promise<net.Server> {
  const server = net.createServer((c) => {
    const up = net.connect(api.server.port, '127.0.0.1');
    c.pipe(up).pipe(c);
    up.on('error', () => c.destroy());
    c.on('error', () => up.destroy());
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const spec = (endpointPort: number, timeout: string) => ({
  k8s: { major: 1, minor: 28, patch: 15 },
  cluster: { controlPlaneEndpoint: `127.0.0.1:${endpointPort}`, apiServer: { timeoutForControlPlane: timeout } },
  nodeName: 'cp1', advertiseAddress: '127.0.0.1', bindPort: api.server.port, criSocket: 'unix:///run/containerd/containerd.sock',
});
const io = { out: () => {}, err: () => {} };

describe('kubeadm simulator wait-control-plane', () => {
  it('waits until the API answers through the endpoint, not only locally', async () => {
    const port = await freePort();
    const started = Date.now();
    let proxy: net.Server | undefined;
    const later = new Promise<void>((r) => setTimeout(() => void forward(port).then((s) => { proxy = s; r(); }), 1500));
    await waitControlPlane(spec(port, '20s') as never, api.ca.certPem, io);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await later;
    await new Promise((r) => proxy!.close(r));
  }, 30_000);

  it('fails when the endpoint never answers, though the local API server does', async () => {
    const port = await freePort();
    await expect(waitControlPlane(spec(port, '2s') as never, api.ca.certPem, io)).rejects.toThrow(/couldn't initialize a Kubernetes cluster/);
  }, 30_000);
});
