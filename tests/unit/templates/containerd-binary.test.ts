import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { renderContainerdConfig } from '../../../src/kube/containerd.js';
import { containerd128, inventory128 } from './fixtures.js';

/**
 * Cross-check with a real containerd 1.x: `containerd config dump` loads our file, merges it
 * over the built-in defaults and prints the result, so a misplaced table shows up as a default.
 * Needs a containerd binary: KINSTALL_CONTAINERD_BIN, or `containerd` on PATH (Debian's
 * package, or its binary extracted with `apt-get download containerd && dpkg-deb -x`).
 */
function findContainerd(): string | null {
  const fromEnv = process.env.KINSTALL_CONTAINERD_BIN;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'containerd');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const containerd = findContainerd();

describe.skipIf(!containerd)('containerd config dump (real containerd 1.x)', () => {
  it('reads our schema-2 config with systemd cgroups, the mirror pause image and the hosts directory', () => {
    const version = execFileSync(containerd!, ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(/ (v)?1\.\d+\.\d+/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-containerd-'));
    try {
      const file = path.join(dir, 'config.toml');
      fs.writeFileSync(file, renderContainerdConfig({ inventory: inventory128, containerdVersion: containerd128 }));
      const dumped = parse(execFileSync(containerd!, ['--config', file, 'config', 'dump'], { encoding: 'utf8' })) as Record<string, any>;
      const cri = dumped.plugins['io.containerd.grpc.v1.cri'];
      expect(cri.sandbox_image).toBe('10.77.255.1:5000/google_containers/pause:3.9');
      expect(cri.registry.config_path).toBe('/etc/containerd/certs.d');
      expect(cri.registry.mirrors ?? {}).toEqual({});
      expect(cri.containerd.default_runtime_name).toBe('runc');
      expect(cri.containerd.runtimes.runc.runtime_type).toBe('io.containerd.runc.v2');
      expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
      // flannel's install-cni-plugin init container copies its binary here.
      expect(cri.cni.bin_dir).toBe('/opt/cni/bin');
      expect(cri.cni.conf_dir).toBe('/etc/cni/net.d');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
