import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { expectGolden } from '../../helpers/golden.js';
import {
  containerdConfigSchema,
  renderAllHostsToml,
  renderContainerdConfig,
  renderHostsToml,
  sandboxImage,
} from '../../../src/kube/containerd.js';
import { containerd128, containerd132, inventory128, inventory132 } from './fixtures.js';

type Toml = Record<string, any>;

/** Every key path in a parsed TOML document, dotted (for "this key appears nowhere" checks). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

describe('renderContainerdConfig', () => {
  const v2 = renderContainerdConfig({ inventory: inventory128, containerdVersion: containerd128 });
  const v3 = renderContainerdConfig({ inventory: inventory132, containerdVersion: containerd132 });
  // containerd 1.7 with Kubernetes 1.32: still schema 2, with 1.32's pause tag.
  const v2on132 = renderContainerdConfig({ inventory: inventory132, containerdVersion: '1.7.27' });

  it('matches the golden files', () => {
    expectGolden('containerd/config-1.28.15-containerd-1.6.toml.golden', v2);
    expectGolden('containerd/config-1.32.4-containerd-2.0.toml.golden', v3);
    expectGolden('containerd/config-1.32.4-containerd-1.7.toml.golden', v2on132);
  });

  it('writes schema 2 for containerd 1.x: systemd cgroups, mirror pause image, hosts directory', () => {
    const doc = parse(v2) as Toml;
    expect(doc.version).toBe(2);
    const cri = doc.plugins['io.containerd.grpc.v1.cri'];
    expect(cri.sandbox_image).toBe('10.77.255.1:5000/google_containers/pause:3.9');
    expect(cri.containerd.default_runtime_name).toBe('runc');
    expect(cri.containerd.runtimes.runc.runtime_type).toBe('io.containerd.runc.v2');
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(cri.registry).toEqual({ config_path: '/etc/containerd/certs.d' });
    expect((parse(v2on132) as Toml).plugins['io.containerd.grpc.v1.cri'].sandbox_image).toBe('registry.k8s.io/pause:3.10');
  });

  it('writes schema 3 for containerd 2.x with the split CRI plugins', () => {
    const doc = parse(v3) as Toml;
    expect(doc.version).toBe(3);
    expect(Object.keys(doc.plugins).sort()).toEqual(['io.containerd.cri.v1.images', 'io.containerd.cri.v1.runtime']);
    const images = doc.plugins['io.containerd.cri.v1.images'];
    expect(images.pinned_images).toEqual({ sandbox: 'registry.k8s.io/pause:3.10' });
    expect(images.registry).toEqual({ config_path: '/etc/containerd/certs.d' });
    const runc = doc.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc;
    expect(runc.runtime_type).toBe('io.containerd.runc.v2');
    expect(runc.options.SystemdCgroup).toBe(true);
  });

  it('never uses the deprecated registry.mirrors / configs blocks', () => {
    for (const text of [v2, v3, v2on132]) {
      const paths = keyPaths(parse(text));
      expect(paths.filter((p) => /registry\.(mirrors|configs)/.test(p))).toEqual([]);
      expect(paths.some((p) => p.endsWith('sandbox_image') || p.endsWith('pinned_images.sandbox'))).toBe(true);
    }
  });

  it('picks the schema from package-style version strings', () => {
    expect(containerdConfigSchema('1.6.20~ds1-1+deb12u2')).toBe(2);
    expect(containerdConfigSchema('1.7.27-1')).toBe(2);
    expect(containerdConfigSchema('v2.1.3')).toBe(3);
    expect(containerdConfigSchema('1:2.0.4-1')).toBe(3);
    expect(() => containerdConfigSchema('3.0.0')).toThrow(/neither 1.x nor 2.x/);
    expect(() => containerdConfigSchema('latest')).toThrow(/neither/);
  });

  it('derives the sandbox image from imageRepository and the Kubernetes minor', () => {
    expect(sandboxImage(inventory128)).toBe('10.77.255.1:5000/google_containers/pause:3.9');
    expect(sandboxImage({ ...inventory128, kubernetes: { ...inventory128.kubernetes, imageRepository: 'mirror.local/k8s/' } })).toBe(
      'mirror.local/k8s/pause:3.9',
    );
  });
});

describe('hosts.toml', () => {
  it('sends docker.io pulls to a plain-http mirror, falling back to Docker Hub', () => {
    const file = renderHostsToml('docker.io', ['http://10.77.255.1:5000']);
    expectGolden('containerd/hosts-docker.io-1.28.15.toml.golden', file.content);
    expect(file.path).toBe('/etc/containerd/certs.d/docker.io/hosts.toml');
    const doc = parse(file.content) as Toml;
    expect(doc.server).toBe('https://registry-1.docker.io');
    expect(doc.host).toEqual({ 'http://10.77.255.1:5000': { capabilities: ['pull', 'resolve'] } });
    expect(keyPaths(doc).some((p) => p.endsWith('skip_verify'))).toBe(false);
  });

  it('renders one file per registry, mirrors in inventory order', () => {
    const files = renderAllHostsToml(inventory132);
    expect(files.map((f) => f.path)).toEqual([
      '/etc/containerd/certs.d/docker.io/hosts.toml',
      '/etc/containerd/certs.d/registry.k8s.io/hosts.toml',
    ]);
    expectGolden('containerd/hosts-docker.io-1.32.4.toml.golden', files[0]!.content);
    expectGolden('containerd/hosts-registry.k8s.io-1.32.4.toml.golden', files[1]!.content);
    const docker = parse(files[0]!.content) as Toml;
    // smol-toml keeps table order, which is containerd's try order.
    expect(Object.keys(docker.host)).toEqual(['https://mirror-a.example.internal', 'https://mirror-b.example.internal:5443']);
    const k8s = parse(files[1]!.content) as Toml;
    expect(k8s.server).toBe('https://registry.k8s.io');
    expect(k8s.host['https://k8s-mirror.example.internal'].capabilities).toEqual(['pull', 'resolve']);
    expect(renderAllHostsToml(inventory128)).toHaveLength(1);
  });

  it('supports registries with a port and the _default catch-all', () => {
    expect(renderHostsToml('reg.local:5000', ['http://m:80']).path).toBe('/etc/containerd/certs.d/reg.local:5000/hosts.toml');
    const fallback = parse(renderHostsToml('_default', ['http://m:80']).content) as Toml;
    expect(fallback).not.toHaveProperty('server');
    expect(Object.keys(fallback.host)).toEqual(['http://m:80']);
  });

  it('rejects unusable registries and mirrors', () => {
    expect(() => renderHostsToml('docker.io/library', ['http://m'])).toThrow(/host\[:port\]/);
    expect(() => renderHostsToml('docker.io', ['ftp://m'])).toThrow(/http/);
    expect(() => renderHostsToml('docker.io', [])).toThrow(/no mirror/);
  });
});
