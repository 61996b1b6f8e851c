import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClusterReady, expectRerunChangesNothing, type ClusterUnderTest } from '../e2e/cluster-checks.js';
import { rootSh, type LabDescription } from './lab-support.js';
import { buildCli, hostCheck, preflight } from './preflight-support.js';
import { freshLab, kinstall, testKubeconfig } from './up-support.js';

/**
 * Acceptance (issue 11 item 2): a host shaped like a minimal cloud image — none of conntrack,
 * socat, ethtool and gpg — is reported by preflight as "installed by kinstall up" (a
 * warning, exit 0), becomes a Ready node in one `kinstall up` (prepare-host installs the tools),
 * and a re-run changes nothing.
 */

// ebtables stays: on Debian 12 the iptables package provides /usr/sbin/ebtables (ebtables-nft)
// through alternatives, so removing the ebtables package does not remove the command.
const tools = ['conntrack', 'socat', 'ethtool', 'gpg'];
let l: LabDescription;
let cluster: ClusterUnderTest;

beforeAll(() => {
  buildCli();
  l = freshLab(2);
  cluster = {
    hosts: l.hosts,
    rootSh: (h, script) => rootSh(l, l.hosts.find((x) => x.name === h.name)!, script),
    registryLogFile: `${l.labDir}/run/registry.log`,
  };
  fs.rmSync(testKubeconfig, { force: true });
  // gpg (not only the gnupg metapackage) so the binary is really gone. Only what is installed:
  // a host without apt lists does not know the others ("Unable to locate package").
  for (const h of l.hosts) {
    rootSh(l, h, "dpkg-query -W -f '${db:Status-Status} ${Package}\\n' conntrack socat ebtables ethtool gpg 2>/dev/null | awk '$1 == \"installed\" { print $2 }' | xargs -r env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q >/dev/null");
  }
});

describe('kinstall up on minimal hosts', () => {
  it('preflight warns that up installs the missing tools, and does not fail', () => {
    for (const h of l.hosts) expect(rootSh(l, h, `for b in ${tools.join(' ')}; do command -v $b || true; done`)).toBe('');
    const r = preflight(l.inventory);
    for (const h of l.hosts) {
      const c = hostCheck(r.report!, h.name, 'required-binaries');
      expect(c.status, c.message).toBe('warn');
      expect(c.message).toContain('installed by kinstall up (prepare-host installs conntrack socat ethtool gnupg)');
    }
    expect(r.code, r.stderr).toBe(0);
  });

  it('one up installs them and every node becomes Ready; a re-run changes nothing', () => {
    const first = kinstall('up', l.inventory);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // prepare-host's apply (the run log keeps its apt output) installed them, before kube-packages.
    expect(first.log).toMatch(/exec: prepare-host: apply: exit 0[\s\S]*Unpacking conntrack[\s\S]*exec: kube-packages: apply/);
    for (const h of l.hosts) expect(rootSh(l, h, `for b in ${tools.join(' ')}; do command -v $b >/dev/null || echo "missing $b"; done`)).toBe('');
    expectClusterReady(cluster);
    expectRerunChangesNothing(kinstall('up', l.inventory));
  });
});
