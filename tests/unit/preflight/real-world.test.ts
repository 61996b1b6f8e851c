// Issue 11 items 1, 2, 5, 6, 7, 12 on the preflight side: each case failed before the change.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFacts, renderFactsScript } from '../../../src/preflight/facts.js';
import { checkKernel, kernelRules } from '../../../src/versions/kernel.js';
import { kubeadmInPath } from '../../../src/versions/kubeadm-preflight.js';
import { supportedKubernetesMinors } from '../../../src/versions/kubernetes.js';
import { controlPlane, fixtureFacts, makeHost, makeInventory, runCheck, worker } from './helpers.js';

const run = promisify(execFile);
const debian = () => fixtureFacts('debian12');
const ubuntu = () => fixtureFacts('ubuntu2204');
const rocky = () => fixtureFacts('rocky9');
const k8s = (version: string) => makeInventory({ kubernetes: { version } });

describe('mirror-reachable follows redirects (item 1)', () => {
  // A loopback stand-in for pkgs.k8s.io (302 to its CDN) and registry.k8s.io (307, then a Bearer 401).
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/core/stable/v1.28/deb/Release') res.writeHead(302, { Location: `${base}/cdn/v1.28/deb/Release` }).end();
      else if (req.url === '/cdn/v1.28/deb/Release') res.writeHead(200).end('Origin: kinstall test\n');
      else if (req.url === '/v2/') res.writeHead(307, { Location: `${base}/registry/v2/` }).end();
      else if (req.url === '/registry/v2/') res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="x"' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('the rendered facts script reports the final status and URL, and the check passes', async () => {
    const host = base.replace('http://', '');
    const inventory = makeInventory({
      kubernetes: { version: '1.28.15', imageRepository: `${host}/library`, packageRepository: `${base}/core/stable` },
      containerd: { registryMirrors: { [host]: [base] } },
    });
    const { stdout } = await run('sh', ['-c', renderFactsScript(inventory)], { maxBuffer: 16 * 1024 * 1024 });
    const facts = parseFacts(stdout);
    expect(facts.mirrors).toContainEqual({ kind: 'deb', url: `${base}/core/stable/v1.28/deb/Release`, status: 200, finalUrl: `${base}/cdn/v1.28/deb/Release` });
    expect(facts.mirrors).toContainEqual({ kind: 'image', url: `${base}/v2/`, status: 401, finalUrl: `${base}/registry/v2/` });
    const outcome = runCheck('mirror-reachable', facts, controlPlane, inventory);
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toContain(`(redirected to ${base}/cdn/v1.28/deb/Release)`);
  }, 30_000);

  it('judges the final answer and names the final URL when it fails', () => {
    const f = ubuntu();
    f.mirrors[1] = { kind: 'deb', url: 'https://pkgs.k8s.io/core:/stable:/v1.28/deb/Release', status: 403, finalUrl: 'https://cdn.example/v1.28/deb/Release' };
    expect(runCheck('mirror-reachable', f)).toMatchObject({ status: 'fail', message: expect.stringContaining('(redirected to https://cdn.example/v1.28/deb/Release): HTTP 403') });
    f.mirrors[1] = { kind: 'deb', url: 'https://pkgs.k8s.io/x', status: 302 };
    expect(runCheck('mirror-reachable', f).message).toContain('HTTP 302 (a redirect the probe could not follow further)');
  });

  it('reads wget and no-client probe lines, and says what up does without curl or wget', () => {
    const facts = parseFacts(
      ['format=1', 'mirror=deb http://r/v1.28/deb/Release 200 wget http://cdn/v1.28/deb/Release', 'mirror=image https://reg/v2/ unknown none https://reg/v2/', 'end=ok'].join('\n'),
    );
    expect(facts.mirrors).toEqual([
      { kind: 'deb', url: 'http://r/v1.28/deb/Release', status: 200, finalUrl: 'http://cdn/v1.28/deb/Release' },
      { kind: 'image', url: 'https://reg/v2/', status: undefined },
    ]);
    const f = ubuntu();
    f.mirrors.forEach((m) => (m.status = undefined));
    expect(runCheck('mirror-reachable', f)).toMatchObject({ status: 'warn', message: expect.stringContaining('kinstall up installs curl in prepare-host') });
  });
});

describe('required-binaries per kubeadm minor (item 2)', () => {
  it('transcribes kubeadm InPathChecks for every supported minor', () => {
    expect(Object.keys(kubeadmInPath).sort()).toEqual([...supportedKubernetesMinors].sort());
    expect(kubeadmInPath['1.30'].mandatory).toContain('crictl');
    expect(kubeadmInPath['1.31'].mandatory).not.toContain('crictl');
    expect(kubeadmInPath['1.31'].mandatory).toContain('conntrack');
    expect(kubeadmInPath['1.32'].mandatory).toEqual(['ip', 'iptables', 'mount', 'nsenter']);
    for (const minor of supportedKubernetesMinors) expect(kubeadmInPath[minor].optional).toEqual(['ebtables', 'ethtool', 'socat', 'tc', 'touch']);
  });

  it('a minimal Debian host warns that up installs the tools, with the apt packages', () => {
    const f = debian();
    for (const b of ['conntrack', 'socat', 'ebtables', 'ethtool', 'gpg']) f.binaries[b] = undefined;
    const r = runCheck('required-binaries', f);
    expect(r.status).toBe('warn');
    expect(r.message).toContain('installed by kinstall up (prepare-host installs conntrack socat ebtables ethtool gnupg)');
    expect(r.fix).toBe('apt-get install -y conntrack socat ebtables ethtool gnupg (kinstall up and kinstall preflight --fix do it)');
  });

  it('a minimal Rocky host gets the dnf names (file provides where EL8 and EL9 differ), and no gpg', () => {
    const f = rocky();
    for (const b of ['conntrack', 'ebtables', 'tc', 'gpg']) f.binaries[b] = undefined;
    const r = runCheck('required-binaries', f);
    expect(r.status).toBe('warn');
    expect(r.fix).toBe('dnf install -y conntrack-tools socat /usr/sbin/ebtables ethtool iproute-tc (kinstall up and kinstall preflight --fix do it)');
    expect(r.message).not.toContain('gpg');
  });

  it('curl is satisfied by wget; crictl (cri-tools) is left to the Kubernetes packages', () => {
    const f = debian();
    f.binaries.curl = undefined;
    f.binaries.wget = '/usr/bin/wget';
    f.binaries.crictl = undefined;
    f.binaries.conntrack = '/usr/sbin/conntrack';
    f.binaries.ethtool = '/usr/sbin/ethtool';
    f.binaries.gpg = '/usr/bin/gpg';
    f.binaries.socat = '/usr/bin/socat';
    f.binaries.ebtables = '/usr/sbin/ebtables';
    f.binaries.touch = '/usr/bin/touch';
    expect(runCheck('required-binaries', f).status).toBe('pass');
  });

  it('fails only where up cannot install: an unknown distribution missing a mandatory tool, per minor', () => {
    const f = debian();
    f.os = { id: 'arch', idLike: [], versionId: '', prettyName: 'Arch Linux' };
    f.binaries.conntrack = undefined;
    f.binaries.ethtool = '/usr/sbin/ethtool';
    expect(runCheck('required-binaries', f, controlPlane, k8s('1.31.2'))).toMatchObject({ status: 'fail', message: expect.stringContaining('conntrack') });
    // From 1.32 kubeadm no longer checks conntrack (kubernetes#126952).
    expect(runCheck('required-binaries', f, controlPlane, k8s('1.32.3')).status).toBe('warn');
  });
});

describe('kernel-version per minor (item 6)', () => {
  it('has a rule for every supported minor', () => {
    expect(Object.keys(kernelRules).sort()).toEqual([...supportedKubernetesMinors].sort());
  });
  it("EL8's 4.18 passes 1.31 and fails 1.32+, naming kernel and rule", () => {
    expect(checkKernel('4.18.0-553.el8_10.x86_64', '1.31.2').status).toBe('ok');
    const v = checkKernel('4.18.0-553.el8_10.x86_64', '1.32.0');
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('kernel 4.18.0-553.el8_10.x86_64 is not 4.19 or newer');
    expect(v.reason).toContain('system-validators v1.9');
    const f = rocky();
    f.kernel = '4.18.0-553.el8_10.x86_64';
    expect(runCheck('kernel-version', f, controlPlane, k8s('1.32.0'))).toMatchObject({ status: 'fail', message: expect.stringContaining('SystemVerification') });
  });
  it("EL9's 5.14 passes 1.32, warns on 1.33 (kubernetes#131898) and 1.34+ (kubeadm warns)", () => {
    expect(checkKernel('5.14.0-427.13.1.el9_4.x86_64', '1.32.4').status).toBe('ok');
    expect(checkKernel('5.14.0-427.13.1.el9_4.x86_64', '1.33.1')).toMatchObject({ status: 'warn', reason: expect.stringContaining('131898') });
    expect(checkKernel('5.14.0-427.13.1.el9_4.x86_64', '1.34.0').status).toBe('warn');
    expect(checkKernel('4.18.0-553.el8_10.x86_64', '1.35.0').status).toBe('warn');
    for (const k of ['5.15.0-105-generic', '6.1.0-21-amd64', '5.10.0-28-amd64']) expect(checkKernel(k, '1.35.0').status).toBe('ok');
  });
});

describe('stricter than kubeadm without reason (items 5 and 7)', () => {
  it('memory: a worker below 1024 MB warns; a control plane below 1700 MB still fails', () => {
    const f = debian();
    f.memTotalKb = 900 * 1024;
    expect(runCheck('memory', f, worker)).toMatchObject({ status: 'warn', message: expect.stringContaining('900 MB') });
    expect(runCheck('memory', f, controlPlane).status).toBe('fail');
  });
  it('ports: a listener in the NodePort range warns; a component port still fails', () => {
    const f = ubuntu();
    f.listeners.push({ proto: 'tcp', address: '0.0.0.0', port: 31000, process: 'node' });
    expect(runCheck('ports', f, worker)).toMatchObject({ status: 'warn', message: expect.stringContaining('31000/tcp (NodePort services)') });
    f.listeners.push({ proto: 'tcp', address: '0.0.0.0', port: 10250, process: 'nginx' });
    expect(runCheck('ports', f, worker).status).toBe('fail');
    const g = ubuntu();
    g.listeners.push({ proto: 'tcp', address: '127.0.0.1', port: 2379, process: 'etcd-other' });
    expect(runCheck('ports', g, makeHost('cp1', ['control-plane'])).status).toBe('fail');
  });
  it("containerd-compat: Docker's disabled_plugins = [\"cri\"] warns that up rewrites config.toml", () => {
    const r = runCheck('containerd-compat', rocky());
    expect(r.status).toBe('warn');
    expect(r.message).toContain('fixed by kinstall up');
    expect(r.fix).toContain('remove "cri" from disabled_plugins');
    // An unsupported version still fails, the CRI note included.
    expect(runCheck('containerd-compat', rocky(), controlPlane, k8s('1.35.0')).status).toBe('fail');
  });
});

describe('package-lock (item 12)', () => {
  it('a held lock warns that up waits for it, naming pid and command', () => {
    const f = debian();
    f.locks[0] = { path: '/var/lib/dpkg/lock-frontend', held: true, pid: '4242', command: 'unattended-upgr' };
    expect(runCheck('package-lock', f)).toMatchObject({ status: 'warn', message: expect.stringContaining('kinstall up will wait up to 600 s for pid 4242 (unattended-upgr)') });
  });
});
