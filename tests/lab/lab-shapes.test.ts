import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labScript, labTable, repoRoot, rootSh, run, type LabDescription, type LabHost } from './lab-support.js';

/**
 * Every host shape in lab/hosts/shapes.tsv boots. A shape is a list of (Debian release, profile)
 * hosts, so one lab holding each distinct pair once (LAB_OS="suite/profile ...") boots every shape's
 * hosts at once; the default lab comes back afterwards. LAB_TEST_OS narrows it (e.g. in a hurry).
 */
const pairs = process.env.LAB_TEST_OS?.split(/\s+/).filter(Boolean)
  ?? [...new Set(labTable('shapes.tsv').map(([, os, profile]) => `${os}/${profile}`))];
const versions = new Map(labTable('releases.tsv').map(([suite, version]) => [suite!, version!]));
// What a profile must NOT have: kubeadm's helper tools are absent from a normal or minimal image.
const helpers = ['conntrack', 'socat', 'ethtool'];
// Each release's own containerd (Debian's archive): 1.4 has only CRI v1alpha2.
const containerdOf: Record<string, RegExp> = { bullseye: /^1\.4\./, bookworm: /^1\.6\.20~/, trixie: /^1\.7\.24~/ };

const libSh = path.join(repoRoot, 'lab', 'lib.sh');
const plan = (env: NodeJS.ProcessEnv) => run('bash', ['-c', `. ${libSh}; lab_requested_plan`], { env });

/** A script on a host over ssh (stdin), without blocking: for running the same script on every host at once. */
function rootShAsync(l: LabDescription, h: LabHost, script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('ssh', ['-i', l.identityFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${l.knownHostsFile}`, `root@${h.address}`, 'sh -s']);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? 128, out }));
    p.stdin.end(script);
  });
}

let l: LabDescription;
beforeAll(() => {
  labScript('up', [], { LAB_OS: pairs.join(' '), LAB_HOSTS: '' });
  l = lab();
});

afterAll(() => {
  // Back to the default lab for the files after this one.
  labScript('up', [], { LAB_OS: '', LAB_SHAPE: 'default', LAB_HOSTS: '' });
});

const ssh1 = (h: LabHost, script: string) => rootSh(lab(), h, script);

const each = (f: (h: LabHost) => void) => () => {
  for (const h of l.hosts) f(h);
};

describe('lab shapes', () => {
  it('every shape in shapes.tsv resolves to hosts this lab boots', () => {
    for (const shape of new Set(labTable('shapes.tsv').map(([name]) => name!))) {
      const r = plan({ LAB_SHAPE: shape, LAB_OS: '', LAB_HOSTS: '' });
      expect(r.code, r.stderr).toBe(0);
      for (const [, os, profile] of r.stdout.trim().split('\n').map((line) => line.split(' '))) {
        expect(pairs, `shape ${shape}`).toContain(`${os}/${profile}`);
      }
    }
    expect(l.hosts.map((h) => `${h.os}/${h.profile}`)).toEqual(pairs);
  }, 30_000);

  it('each host boots: its hostname, sshd, systemd running', each((h) => {
    expect(rootSh(l, h, 'hostname; systemctl is-active ssh; cat /proc/1/comm; systemctl is-system-running')).toBe(
      `${h.name}\nactive\nsystemd\nrunning`,
    );
  }));

  it('each host reports its own Debian release', each((h) => {
    expect(h.osVersion).toBe(versions.get(h.os));
    expect(rootSh(l, h, '. /etc/os-release; echo "$VERSION_ID $VERSION_CODENAME"')).toBe(`${h.osVersion} ${h.os}`);
  }));

  it('minimal and full hosts lack kubeadm\'s helper tools; prepared hosts have them', each((h) => {
    const found = rootSh(l, h, `for b in ${helpers.join(' ')} gpg curl; do command -v $b >/dev/null && echo $b; done; dpkg-query -W -f '\${Status}' ebtables 2>/dev/null | grep -q 'ok installed' && echo ebtables-package; true`).split('\n');
    const why = `${h.name} (${h.os}/${h.profile}) has: ${found.join(' ')}`;
    if (h.profile === 'prepared') {
      expect(found, why).toEqual(expect.arrayContaining([...helpers, 'gpg', 'curl', 'ebtables-package']));
      return;
    }
    for (const tool of [...helpers, 'ebtables-package']) expect(found, why).not.toContain(tool);
    expect(found.includes('gpg'), why).toBe(h.profile === 'full');
    expect(found.includes('curl'), why).toBe(h.profile !== 'minimal-nocurl');
  }));

  it('apt on each host uses its own release through the lab proxy, with that release\'s containerd', async () => {
    // In parallel: a first `apt-get update` of a release through the proxy takes a while.
    const script = `apt-get update -qq >/dev/null 2>&1
apt-config dump Acquire::http::Proxy | head -n1
apt-cache policy containerd | awk '/Candidate/ {print $2}'
apt-get indextargets --format '$(CODENAME)' | sort -u`;
    const results = await Promise.all(l.hosts.map((h) => rootShAsync(l, h, script)));
    l.hosts.forEach((h, i) => {
      const out = results[i]!.out.trim().split('\n');
      expect(out[0], h.name).toContain(l.aptProxy);
      expect(out[1], `${h.name} containerd candidate`).toMatch(containerdOf[h.os] ?? /./);
      expect(out.slice(2), h.name).toEqual([h.os]);
    });
  });

  it('a host replaced by another release boots in fresh cgroup subtrees, nothing of its predecessor left', () => {
    // Regression: lab:up kept a replaced host's cgroup v1 subtrees, and a Debian 12 host booted
    // into what a Debian 13 cluster had left there came up "degraded".
    const leftover = 'klab-leftover.slice';
    const marked = run('bash', ['-c', `for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name klab-node1); do mkdir "$d/${leftover}" && echo "$d"; done`]);
    expect(marked.stdout.trim(), marked.stderr).not.toBe('');
    const node1 = pairs[0]!;
    const other = pairs.find((p) => p.split('/')[0] !== node1.split('/')[0]) ?? node1;
    labScript('up', [], { LAB_OS: [other, ...pairs.slice(1)].join(' '), LAB_HOSTS: '' });
    const replaced = lab().hosts[0]!;
    expect(`${replaced.os}/${replaced.profile}`).toBe(other);
    expect(run('bash', ['-c', `find /sys/fs/cgroup -maxdepth 7 -type d -name ${leftover}`]).stdout.trim()).toBe('');
    let state = '';
    for (let i = 0; i < 30 && !['running', 'degraded'].includes(state); i++) {
      state = ssh1(replaced, 'systemctl is-system-running || true');
      if (!['running', 'degraded'].includes(state)) run('sleep', ['1']);
    }
    expect(state, ssh1(replaced, 'systemctl --failed --no-legend || true')).toBe('running');
  });

  it('leaves the default shape for everything else (lab:up without LAB_SHAPE)', () => {
    expect(plan({ LAB_SHAPE: '', LAB_OS: '', LAB_HOSTS: '' }).stdout.trim().split('\n')).toEqual([
      '1 bookworm full control-plane', '2 bookworm full worker', '3 bookworm full worker',
    ]);
  });
});
