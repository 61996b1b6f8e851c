import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriClient, CriError, goRpcError, normaliseEndpoint } from '../../../lab/simulators/src/common/cri.js';
import { runCrictl } from '../../../lab/simulators/src/crictl.js';
import { formatImages, splitRepoTag } from '../../../lab/simulators/src/common/crictl-format.js';
import { containerdAvailable, startContainerd, type PrivateContainerd } from './cri-harness.js';

describe('CRI endpoint and error formatting', () => {
  it('accepts unix endpoints and bare socket paths only', () => {
    expect(normaliseEndpoint('/run/containerd/containerd.sock')).toBe('unix:///run/containerd/containerd.sock');
    expect(normaliseEndpoint('unix:///x.sock')).toBe('unix:///x.sock');
    expect(() => normaliseEndpoint('tcp://127.0.0.1:1')).toThrow(/only unix sockets/);
  });
  it('formats errors like Go grpc status errors', () => {
    expect(goRpcError(12, 'unknown service runtime.v1.RuntimeService')).toBe(
      'rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService');
  });
  it('reports a missing socket as Unavailable', async () => {
    const c = new CriClient('unix:///nonexistent/kinstall-test.sock', 2_000);
    await expect(c.version()).rejects.toThrow('validate service connection: validate CRI v1 runtime API for endpoint "unix:///nonexistent/kinstall-test.sock": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /nonexistent/kinstall-test.sock: connect: no such file or directory"');
    c.close();
  });
});

describe.skipIf(!containerdAvailable())('CRI client against a real containerd', () => {
  let ctd: PrivateContainerd;
  let client: CriClient;
  beforeAll(async () => { ctd = await startContainerd(); client = new CriClient(ctd.endpoint); }, 30_000);
  afterAll(async () => { client?.close(); await ctd?.stop(); });

  it('Version answers runtime.v1 from containerd', async () => {
    const v = await client.version();
    expect(v.runtimeName).toBe('containerd');
    expect(v.runtimeApiVersion).toBe('v1');
    expect(v.runtimeVersion).toMatch(/^1\.\d+\.\d+/);
  });
  it('Status carries RuntimeReady and NetworkReady conditions', async () => {
    const s = await client.status(true);
    const types = s.conditions.map((c) => c.type).sort();
    expect(types).toEqual(['NetworkReady', 'RuntimeReady']);
    // No CNI config in the private containerd: the network condition is false with its reason.
    expect(s.conditions.find((c) => c.type === 'NetworkReady')!.status).toBe(false);
  });
  it('an absent image is null, the image list is empty', async () => {
    expect(await client.imageStatus('registry.k8s.io/pause:3.9')).toBeNull();
    expect(await client.listImages()).toEqual([]);
  });
  it('ImageFsInfo reports the private root', async () => {
    const fs = await client.imageFsInfo();
    expect(fs[0]!.mountpoint).toContain(ctd.dir);
  });
  it('pulling from an unreachable registry fails with the runtime error', async () => {
    // 127.0.0.1:9 (discard) refuses connections: traffic stays on loopback.
    await expect(client.pullImage('127.0.0.1:9/kinstall/none:1', 20_000)).rejects.toThrow(/rpc error: code = Unknown desc = failed to pull and unpack image/);
  }, 30_000);
});

describe('crictl output formats', () => {
  it('splits repo and tag around registry ports', () => {
    expect(splitRepoTag('127.0.0.1:5000/k8s/pause:3.9')).toEqual(['127.0.0.1:5000/k8s/pause', '3.9']);
    expect(splitRepoTag('127.0.0.1:5000/k8s/pause')).toEqual(['127.0.0.1:5000/k8s/pause', '<none>']);
  });
  it('prints the images table like crictl', () => {
    const text = formatImages([{ id: 'sha256:e6f1816883972d4be47bd48879a08919b96afcd344132622e4d444987919323c', repoTags: ['registry.k8s.io/pause:3.9'], repoDigests: [], size: 321520, pinned: true }], false);
    expect(text.split('\n')).toEqual([
      'IMAGE                   TAG   IMAGE ID        SIZE',
      'registry.k8s.io/pause   3.9   e6f1816883972   322kB',
    ]);
  });
});

describe.skipIf(!containerdAvailable())('crictl simulator against a real containerd', () => {
  let ctd: PrivateContainerd;
  beforeAll(async () => { ctd = await startContainerd(); }, 30_000);
  afterAll(async () => { await ctd?.stop(); });
  const crictl = async (argv: string[]) => {
    const out: string[] = [];
    const code = await runCrictl(argv, (s) => out.push(s), (s) => out.push(s));
    return { code, text: out.join('\n') };
  };
  it('version and info come from containerd', async () => {
    const v = await crictl(['--runtime-endpoint', ctd.endpoint, 'version']);
    expect(v.code).toBe(0);
    expect(v.text).toMatch(/^Version:  0\.1\.0\nRuntimeName:  containerd\nRuntimeVersion:  1\.6\.\d+\S*\nRuntimeApiVersion:  v1$/);
    const info = JSON.parse((await crictl(['-r', ctd.endpoint, 'info'])).text);
    expect(info.status.conditions.map((c: { type: string }) => c.type)).toContain('RuntimeReady');
    expect(info.config.containerd.snapshotter).toBe('overlayfs');
  });
  it('honours the runtime-endpoint of a crictl.yaml given with --config', async () => {
    const fsm = await import('node:fs');
    const file = `${ctd.dir}/crictl.yaml`;
    fsm.writeFileSync(file, `runtime-endpoint: ${ctd.endpoint}\n`);
    expect((await crictl(['--config', file, 'images'])).text).toBe('IMAGE   TAG   IMAGE ID   SIZE');
    const missing = await crictl(['--config', file, 'inspecti', 'registry.k8s.io/pause:3.9']);
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/level=fatal msg="no such image \\"registry.k8s.io\/pause:3.9\\" present"/);
  });
});

describe.skipIf(!containerdAvailable())('CRI client against containerd with the cri plugin disabled', () => {
  let ctd: PrivateContainerd;
  beforeAll(async () => { ctd = await startContainerd({ disableCri: true }); }, 30_000);
  afterAll(async () => { await ctd?.stop(); });

  it('reports that CRI v1 is not implemented, like kubeadm and crictl do', async () => {
    const client = new CriClient(ctd.endpoint);
    const err = await client.version().catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(CriError);
    expect((err as CriError).notImplemented).toBe(true);
    expect((err as Error).message).toBe(
      `validate service connection: CRI v1 runtime API is not implemented for endpoint "${ctd.endpoint}": ` +
      'rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService');
  });
});
