import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KinstallError } from '../../../src/errors.js';
import { imagesStep, imageSources, missingImagesError, planImages, registryOf, renderImagesProbe, renderImagesPull, upgradeCheckImages } from '../../../src/steps/images.js';
import { upSteps } from '../../../src/steps/index.js';
import { addonImages } from '../../../src/versions/addons.js';
import { parseKv } from '../../../src/steps/remote.js';
import { expectGolden } from '../../helpers/golden.js';
import { FakeRemote, fakeContext } from './fakes.js';
import { labCluster } from './inventories.js';

const { hosts, inventory } = labCluster();

describe('planImages', () => {
  it('lists the absent images; all present → nothing to do', () => {
    const s = parseKv('kubeadm=present\nimage:r/a:1=present\nimage:r/b:2=absent\nimage:docker.io/flannel/flannel:v0.25.6=absent\n');
    expect(planImages(s)).toEqual({
      changes: ['pull 2 image(s) through containerd, checking the mirror holds them: r/b:2 docker.io/flannel/flannel:v0.25.6'],
      missing: ['r/b:2', 'docker.io/flannel/flannel:v0.25.6'],
    });
    expect(planImages(parseKv('kubeadm=present\nimage:r/a:1=present\n')).changes).toEqual([]);
  });
  it('kubeadm not installed yet (dry run on fresh hosts) or failing → a change, never "done"', () => {
    expect(planImages(parseKv('kubeadm=absent\n')).changes[0]).toMatch(/kubeadm is not installed yet/);
    expect(planImages(parseKv('kubeadm=present\nlist_error=bad config\n')).changes[0]).toMatch(/it failed: bad config/);
  });
});

describe('where containerd looks', () => {
  it('registry of a reference (docker.io when none)', () => {
    expect(registryOf('10.77.255.1:5000/google_containers/pause:3.9')).toBe('10.77.255.1:5000');
    expect(registryOf('registry.k8s.io/etcd:3.5.15-0')).toBe('registry.k8s.io');
    expect(registryOf('flannel/flannel:v0.25.6')).toBe('docker.io');
    expect(registryOf('docker.io/flannel/flannel:v0.25.6')).toBe('docker.io');
  });
  it('mirrors in order, then the registry itself', () => {
    expect(imageSources(inventory, 'docker.io/flannel/flannel:v0.25.6')).toEqual(['http://10.77.255.1:5000', 'https://registry-1.docker.io']);
    expect(imageSources(inventory, 'registry.k8s.io/pause:3.9')).toEqual(['https://registry.k8s.io']);
    const withDefault = { ...inventory, containerd: { ...inventory.containerd, registryMirrors: { _default: ['https://all.example'] } } };
    expect(imageSources(withDefault, 'quay.io/a/b:1')).toEqual(['https://all.example', 'https://quay.io']);
  });
});

describe('missing images', () => {
  it('one error lists every missing image and where it was looked for', () => {
    const out = [
      'pulled=10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15',
      'missing=10.77.255.1:5000/google_containers/etcd:3.5.15-0 not found',
      'missing=docker.io/flannel/flannel:v0.25.6 failed to resolve reference',
    ].join('\n');
    const e = missingImagesError(inventory, 'node1', out, '', 1);
    expect(e).toBeInstanceOf(KinstallError);
    expect(e.host).toBe('node1');
    expect(e.message).toContain('2 image(s)');
    expect(e.message).toContain('10.77.255.1:5000/google_containers/etcd:3.5.15-0 — looked for at http://10.77.255.1:5000, https://10.77.255.1:5000 (not found)');
    expect(e.message).toContain('docker.io/flannel/flannel:v0.25.6 — looked for at http://10.77.255.1:5000, https://registry-1.docker.io');
    expect(e.message).not.toContain('kube-apiserver');
    expect(e.hint).toMatch(/imageRepository/);
  });
  it('a failure without missing lines (kubeadm list failed) names the output', () => {
    expect(missingImagesError(inventory, 'node1', '', 'kubeadm config images list --config failed: x', 1).message).toMatch(/exited with 1: kubeadm config images list/);
  });
});

describe('images step', () => {
  it('runs between kube-packages and init, on the first control plane, config on stdin without secrets', async () => {
    const ids = upSteps.map((s) => s.id);
    expect(ids.indexOf('images')).toBe(ids.indexOf('kube-packages') + 1);
    // Only the API endpoint steps (which touch no image) and the upgrade steps (images are checked
    // before a running cluster is upgraded) sit between images and init.
    expect(ids.slice(ids.indexOf('images') + 1, ids.indexOf('init'))).toEqual(['endpoint-balancer', 'endpoint-vip-init', 'upgrade-control-planes', 'upgrade-workers']);
    const remote = new FakeRemote('node1');
    remote.responders.push(() => ({ stdout: 'kubeadm=present\nimage:a/b:1=absent\n' }));
    const ctx = fakeContext(hosts, [remote], undefined, inventory);
    expect(imagesStep.hosts(ctx).map((h) => h.name)).toEqual(['node1']);
    const plan = await imagesStep.probe(ctx, hosts[0]!, remote);
    expect(plan.changes).toHaveLength(1);
    const stdin = remote.execs[0]!.opts!.stdin!;
    expect(stdin).toContain('kind: ClusterConfiguration');
    expect(stdin).not.toMatch(/bootstrapTokens|certificateKey/);
    remote.responders.unshift(() => ({ code: 1, stdout: 'missing=a/b:1 not found\n' }));
    await expect(imagesStep.apply(ctx, hosts[0]!, remote, plan)).rejects.toThrow(/a\/b:1 — looked for at/);
  });
  it('scripts: golden, valid sh; the probe runs here (no kubeadm → kubeadm=absent or a list)', () => {
    const probe = renderImagesProbe(inventory);
    const pull = renderImagesPull(inventory);
    expectGolden('steps/images/probe.sh', probe);
    expectGolden('steps/images/pull.sh', pull);
    for (const text of [probe, pull]) execFileSync('dash', ['-n'], { input: text });
    const out = parseKv(execFileSync('sh', ['-s'], { input: probe.replace('cat > "$cfg"', 'true'), encoding: 'utf8' }));
    expect(out.has('kubeadm')).toBe(true);
  });
});

// Issue 13: during a minor upgrade the images step runs with the OLD kubeadm installed, and an old
// kubeadm asked for the next minor lists its own nearest etcd (constants.go EtcdSupportedVersion),
// not the target's. The scripts then check kinstall's table for the target instead.
describe('images step during an upgrade (installed kubeadm is not the target\'s)', () => {
  const at = (version: string) => ({ ...inventory, kubernetes: { ...inventory.kubernetes, version } });
  const repo = '10.77.255.1:5000/google_containers';

  it('the early check: the target\'s images from kinstall\'s table; pause/etcd/CoreDNS only when the table has that very patch', () => {
    expect(upgradeCheckImages(at('1.32.3'))).toEqual([
      `${repo}/kube-apiserver:v1.32.3`, `${repo}/kube-controller-manager:v1.32.3`, `${repo}/kube-scheduler:v1.32.3`, `${repo}/kube-proxy:v1.32.3`,
      `${repo}/pause:3.10`, `${repo}/etcd:3.5.16-0`, `${repo}/coredns:v1.11.3`,
    ]);
    // 1.32.9: past the transcribed patches kubeadm bumped etcd; our last known tag is a guess.
    expect(upgradeCheckImages(at('1.32.9'))).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map((c) => `${repo}/${c}:v1.32.9`));
  });

  it('planImages says whose list it checked', () => {
    const plan = planImages(parseKv('kubeadm=present\nkubeadm_version=v1.31.2\nimage:r/etcd:3.5.16-0=absent\n'));
    expect(plan.missing).toEqual(['r/etcd:3.5.16-0']);
    expect(plan.changes[0]).toMatch(/kinstall's table of the target's images: the installed kubeadm is v1\.31\.2/);
  });

  it('the probe, run with a fake old kubeadm on PATH: checks the table\'s target images, never the old kubeadm\'s list', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-images-'));
    try {
      const fake = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      fake('kubeadm', 'case "$1" in version) echo "$FAKE_KUBEADM_VERSION" ;; config) echo "$FAKE_KUBEADM_LIST" ;; esac');
      fake('crictl', 'exit 1'); // every image absent
      const run = (kubeadmVersion: string) => parseKv(execFileSync('sh', ['-s'], {
        input: renderImagesProbe(at('1.32.3')).replace('cat > "$cfg"', 'true'), encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_KUBEADM_VERSION: kubeadmVersion, FAKE_KUBEADM_LIST: `${repo}/etcd:3.5.15-0` },
      }));
      const old = run('v1.31.2');
      expect(old.get('kubeadm_version')).toEqual(['v1.31.2']);
      expect(old.get(`image:${repo}/etcd:3.5.16-0`)).toEqual(['absent']);
      expect(old.has(`image:${repo}/etcd:3.5.15-0`)).toBe(false);
      // The target's own kubeadm installed (a fresh install, or a re-run): its list is the authority.
      const own = run('v1.32.3');
      expect(own.has('kubeadm_version')).toBe(false);
      expect(own.get(`image:${repo}/etcd:3.5.15-0`)).toEqual(['absent']);
      expect(own.has(`image:${repo}/kube-apiserver:v1.32.3`)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images probe: the CRI store is listed once', () => {
  it('reads presence from one `crictl images` table; asks crictl inspecti only for a name containerd would spell differently', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-images-once-'));
    try {
      const calls = path.join(dir, 'calls');
      const fake = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      const list = ['registry.k8s.io/kube-apiserver:v1.28.15', 'registry.k8s.io/pause:3.9', 'mirror/google_containers/etcd:3.5.15-0'];
      fake('kubeadm', `case "$1" in version) echo v1.28.15 ;; config) printf '%s\\n' ${list.join(' ')} ;; esac`);
      // crictl's images table (crictl image.go: IMAGE, TAG, IMAGE ID, SIZE), normalised names as
      // containerd stores them: a registry without a dot is Docker Hub's namespace.
      fake('crictl', `echo "crictl $*" >> ${calls}
case "$*" in
  *" images") printf 'IMAGE TAG IMAGE ID SIZE\\nregistry.k8s.io/kube-apiserver v1.28.15 abc 30MB\\ndocker.io/mirror/google_containers/etcd 3.5.15-0 def 50MB\\n<none> <none> 123 1MB\\n' ;;
  *" inspecti docker.io/mirror/google_containers/etcd:3.5.15-0"|*" inspecti mirror/google_containers/etcd:3.5.15-0") exit 0 ;;
  *) exit 1 ;;
esac`);
      const state = parseKv(execFileSync('sh', ['-s'], {
        input: renderImagesProbe(inventory).replace('cat > "$cfg"', 'true'), encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      }));
      expect(state.get('image:registry.k8s.io/kube-apiserver:v1.28.15')).toEqual(['present']);
      expect(state.get('image:registry.k8s.io/pause:3.9')).toEqual(['absent']);
      expect(state.get('image:mirror/google_containers/etcd:3.5.15-0')).toEqual(['present']);
      const crictlCalls = fs.readFileSync(calls, 'utf8').trim().split('\n');
      // One listing, plus inspecti for the one name without a registry host (not for the absent
      // pause, nor for the add-on images, which are all spelled with their registry).
      expect(crictlCalls.filter((c) => c.endsWith(' images'))).toHaveLength(1);
      expect(crictlCalls.filter((c) => c.includes(' inspecti '))).toEqual([expect.stringContaining('inspecti mirror/google_containers/etcd:3.5.15-0')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images pull: the target\'s kubeadm pulls its own list in one process', () => {
  const repo = '10.77.255.1:5000/google_containers';
  const kubeadmList = [`${repo}/kube-apiserver:v1.28.15`, `${repo}/pause:3.9`, `${repo}/etcd:3.5.15-0`];
  /** Runs the pull script against fakes; KUBEADM_PULL_FAILS / CRICTL_MISSING choose what the "mirror" lacks. */
  function runPull(env: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-images-pull-'));
    try {
      const calls = path.join(dir, 'calls');
      const fake = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${calls}\n${body}\n`, { mode: 0o755 });
      fake('kubeadm', `case "$1 $2 $3" in
  "version -o short") echo v1.28.15 ;;
  "config images list") printf '%s\\n' ${kubeadmList.join(' ')} ;;
  "config images pull") [ -z "$KUBEADM_PULL_FAILS" ] || { echo "failed to pull image $KUBEADM_PULL_FAILS" >&2; exit 1; } ;;
esac`);
      fake('crictl', `case "$*" in
  *" images") printf 'IMAGE TAG IMAGE ID SIZE\\n' ;;
  *" pull "*) for m in $CRICTL_MISSING; do [ "$m" = "\${*##* }" ] && { echo "not found: $m" >&2; exit 1; }; done; exit 0 ;;
  *) exit 1 ;;
esac`);
      let code = 0;
      let stdout = '';
      try {
        stdout = execFileSync('sh', ['-s'], { input: renderImagesPull(inventory).replace('cat > "$cfg"', 'true'), encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...env } });
      } catch (e) {
        code = (e as { status: number }).status;
        stdout = String((e as { stdout: string }).stdout);
      }
      return { code, stdout, calls: fs.readFileSync(calls, 'utf8').trim().split('\n') };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('kubeadm config images pull for its list, crictl pull only for the add-ons\' images', () => {
    const r = runPull({ KUBEADM_PULL_FAILS: '', CRICTL_MISSING: '' });
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('kubeadm config images pull'))).toHaveLength(1);
    expect(r.calls.some((c) => c.startsWith('kubeadm config images list'))).toBe(false);
    const pulled = r.calls.filter((c) => c.includes(' pull ') && c.startsWith('crictl')).map((c) => c.split(' ').pop());
    expect(pulled).toEqual(addonImages(inventory));
    expect(r.calls.filter((c) => c.endsWith(' images'))).toHaveLength(1);
  });

  it('kubeadm\'s pull failing → its list image by image, and every missing image is reported at once', () => {
    const r = runPull({ KUBEADM_PULL_FAILS: `${repo}/pause:3.9`, CRICTL_MISSING: `${repo}/pause:3.9 ${repo}/etcd:3.5.15-0` });
    expect(r.code).toBe(1);
    const missing = parseKv(r.stdout).get('missing')!.map((m) => m.split(' ')[0]);
    expect(missing).toEqual([`${repo}/pause:3.9`, `${repo}/etcd:3.5.15-0`]);
    expect(parseKv(r.stdout).get('pulled')).toContain(`${repo}/kube-apiserver:v1.28.15`);
  });
});

