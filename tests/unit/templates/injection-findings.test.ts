import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContainerdInstall } from '../../../src/steps/containerd.js';
import { renderKubeconfigProbe, rewriteKubeconfigServer } from '../../../src/steps/kubeconfig.js';
import { renderPrepareHostApply, renderPrepareHostProbe, hostsBlock } from '../../../src/steps/prepare-host.js';
import { sha256 } from '../../../src/steps/remote.js';
import { fakeHost, fakeInventory } from '../steps/fakes.js';
import { createSandbox, sandboxAvailable, type Sandbox } from './sandbox.js';

/**
 * The three findings of issue 10 (each passed `kinstall validate` and then ran a command as root),
 * reproduced by rendering the step's script with the hostile value and running it.
 */

const adminConf = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://10.77.0.11:6443
  name: lab
users:
- name: kubernetes-admin
  user:
    client-key-data: S0VZCg==
`;

/**
 * Runs the kubeconfig probe with the real sed/awk/sha256sum of this machine (the finding is about
 * what GNU sed does with the expression), on a copy of admin.conf in a temp dir, and with a PATH
 * that holds only those tools (so no kubectl runs).
 */
function runKubeconfigProbe(dir: string, server: string): string {
  const conf = path.join(dir, 'admin.conf');
  fs.writeFileSync(conf, adminConf);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of ['sed', 'awk', 'sha256sum', 'cut', 'touch', 'date', 'grep', 'sleep']) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (real && !fs.existsSync(path.join(bin, tool))) fs.symlinkSync(real, path.join(bin, tool));
  }
  const script = renderKubeconfigProbe(server, ['node1']).replaceAll('/etc/kubernetes/admin.conf', conf);
  const res = spawnSync('/bin/sh', ['-c', script], { cwd: dir, env: { PATH: bin }, encoding: 'utf8', timeout: 10_000 });
  expect(res.status, res.stderr).toBe(0);
  return /^rewritten_sha=(.*)$/m.exec(res.stdout)?.[1] ?? '';
}

describe('kubeconfig probe: controlPlaneEndpoint never becomes a sed program', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-kubeconfig-probe-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the issue-10 endpoint (sed e flag) runs nothing; the hash still matches the local rewrite', () => {
    const trip = path.join(dir, 'TRIP');
    // kubeconfigServer() turns controlPlaneEndpoint "lb.example.com#;s#.*#touch …#e;#" into this.
    const server = `https://lb.example.com#;s#.*#touch ${trip}#e;#:6443`;
    const sha = runKubeconfigProbe(dir, server);
    expect(fs.existsSync(trip), 'the payload ran').toBe(false);
    expect(sha).toBe(sha256(rewriteKubeconfigServer(adminConf, server)));
  });

  it.each([
    'https://10.77.0.11:6443',
    'https://lb.example.com:443',
    `https://a\\1&|/"'$(x)\`y\`%s:6443`,
    'https://[fd00::1]:6443',
  ])('the probe hashes what rewriteKubeconfigServer writes for %s', (server) => {
    expect(runKubeconfigProbe(dir, server)).toBe(sha256(rewriteKubeconfigServer(adminConf, server)));
  });
});

describe.skipIf(!sandboxAvailable())('containerd install scripts: inventory values are data, not shell', () => {
  let box: Sandbox;
  beforeAll(() => {
    box = createSandbox();
  });
  afterAll(() => box.cleanup());

  const hosts = [fakeHost('node1', ['control-plane'], '10.77.0.11')];
  const ranPayload = (script: string): string[] => {
    const hits: string[] = [];
    for (const status of [0, 1, 'checks-fail'] as const) {
      box.run(script, status);
      hits.push(...box.tripped());
    }
    return hits;
  };

  it('containerd.version "1.7.24$(…)" (apt, the version not found on the host) runs nothing', () => {
    for (const version of ['1.7.24$(pwned)', '1.7.24$(>TRIP)', '1.7.24`pwned`', '1.7.24"; pwned; "']) {
      const inventory = fakeInventory(hosts, { containerd: { version, source: 'package', registryMirrors: {} } });
      const script = renderContainerdInstall(inventory, { pkg: 'apt', install: true, hold: false, upload: [], restart: true, arch: 'amd64' });
      expect(ranPayload(script), version).toEqual([]);
    }
  });

  it('containerd.binaryUrl with a command substitution (checksum mismatch message) runs nothing', () => {
    for (const binaryUrl of ['http://m.example/c-{version}.tgz$(:>TRIP)', 'http://m.example/`pwned`/c.tgz', 'http://m.example/";pwned;"']) {
      const inventory = fakeInventory(hosts, {
        containerd: { version: '1.7.25', source: 'binary', binaryUrl, binarySha256: 'a'.repeat(64), registryMirrors: {} },
      });
      const script = renderContainerdInstall(inventory, { pkg: 'apt', install: true, hold: false, upload: [], restart: true, arch: 'amd64' });
      expect(ranPayload(script), binaryUrl).toEqual([]);
    }
  });

  it('the /etc/hosts block is found by plain text, whatever the cluster name holds', () => {
    // metadata.name is a DNS-1123 label today; this holds even if that grammar ever loosens.
    const inventory = fakeInventory(hosts, { metadata: { name: "x/;1e pwned;/'" } });
    const ctx = { inventory, hosts };
    expect(() => hostsBlock(ctx, hosts[0]!)).toThrow(/word helper/);
    const probe = renderPrepareHostProbe(ctx, hosts[0]!);
    expect(ranPayload(probe)).toEqual([]);
  });
});

describe('prepare-host: the hosts block is a quoted heredoc that cannot be ended early', () => {
  it('renders the block verbatim between the delimiters', () => {
    const hosts = [fakeHost('node1', ['control-plane'], '10.77.0.11')];
    const inventory = fakeInventory(hosts);
    const script = renderPrepareHostApply({ inventory, hosts }, hosts[0]!, {
      writeHostsBlock: true, swapOff: false, writeModulesConf: false, loadModules: false, writeSysctlConf: false,
      reloadSysctl: false, selinuxPermissive: false, openPorts: [], installTimesync: false, firewall: 'none', pkg: 'apt',
    });
    expect(script).toContain(`<<'KINSTALL_HOSTS_BLOCK'\n${hostsBlock({ inventory, hosts }, hosts[0]!)}KINSTALL_HOSTS_BLOCK\n`);
  });
});
