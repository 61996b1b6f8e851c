import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderContainerdInstall } from '../../../src/steps/containerd.js';
import { fakeHost, fakeInventory } from './fakes.js';

/**
 * The one reading of apt's candidate (templates/partials/apt-candidate.sh.hbs), run for real with
 * an apt-cache that answers like apt does on a German host: the "Candidate:" label is translated
 * unless LC_ALL=C (apt-cache policy prints _("  Candidate: ")), and an SSH session gets the host's
 * locale from /etc/default/locale through pam_env. The unpinned apt install read the label without
 * LC_ALL=C and so installed "containerd=" there.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-apt-candidate-'));
const bin = path.join(dir, 'bin');
fs.mkdirSync(bin);
const calls = path.join(dir, 'calls');
const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${calls}\n${body}\n`, { mode: 0o755 });

function aptCache(candidate: string): void {
  stub('apt-cache', `[ "$1" = policy ] || exit 1
if [ "\${LC_ALL:-}" = C ]; then label="  Candidate:"; installed="  Installed:"; else label="  Installationskandidat:"; installed="  Installiert:"; fi
printf 'containerd:\\n%s (none)\\n%s %s\\n' "$installed" "$label" '${candidate}'`);
}
stub('apt-get', 'exit 0');
stub('apt-mark', 'exit 0');

function runInstall(): { status: number | null; stdout: string; stderr: string; calls: string[] } {
  fs.rmSync(calls, { force: true });
  const inv = fakeInventory([fakeHost('node1', ['control-plane'])]);
  inv.containerd = { ...inv.containerd, source: 'package', version: undefined };
  const script = renderContainerdInstall(inv, { install: true, hold: false, upload: [], restart: false, pkg: 'apt' });
  const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, LANG: 'de_DE.UTF-8', LANGUAGE: 'de' };
  const r = spawnSync('sh', ['-c', script], { env, encoding: 'utf8' });
  const log = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: log };
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('kinstall_apt_candidate (unpinned apt install of containerd)', () => {
  it('reads the candidate on a host whose locale translates apt\'s labels, and installs exactly it', () => {
    aptCache('1.6.20~ds1-1+deb12u2');
    const r = runInstall();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('installed=1.6.20~ds1-1+deb12u2');
    expect(r.calls).toContain('apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-downgrades containerd=1.6.20~ds1-1+deb12u2');
  });

  it('stops before installing when no source has the package, saying so', () => {
    aptCache('(none)');
    const r = runInstall();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no containerd candidate in this host's apt sources");
    expect(r.calls.some((c) => c.includes(' install '))).toBe(false);
  });
});
