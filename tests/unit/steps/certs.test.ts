import { describe, expect, it } from 'vitest';
import { KinstallError } from '../../../src/errors.js';
import { certsRenewStep, planCertsRenew, renderCertsProbe, renderCertsRenew } from '../../../src/steps/certs.js';
import { parseKv } from '../../../src/steps/remote.js';
import { expectGolden } from '../../helpers/golden.js';
import { labCluster } from './inventories.js';

const { hosts } = labCluster();
const cp = hosts[0]!;
const NOW = Date.UTC(2026, 10, 30, 2, 40) / 1000;
const table = (apiserver: string) => `CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Nov 30, 2027 02:35 UTC   364d            ca                      no
apiserver                  ${apiserver}   9d              ca                      no
front-proxy-client         Nov 30, 2027 02:35 UTC   364d            front-proxy-ca          yes

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      Nov 27, 2036 02:34 UTC   9y              no
`;
const probe = (over: Record<string, string> = {}, apiserver = 'Nov 30, 2027 02:35 UTC') => {
  const kv: Record<string, string> = { now: String(NOW), admin_conf: 'yes', check_rc: '0', 'check.b64': Buffer.from(table(apiserver)).toString('base64'), file_cert: 'AA', served_cert: 'AA', ...over };
  return parseKv(Object.entries(kv).map(([k, v]) => `${k}=${v}`).join('\n'));
};

describe('certs renew', () => {
  it('renders its probe and renew scripts (golden)', () => {
    expectGolden('steps/certs/probe.sh', renderCertsProbe(cp));
    expectGolden('steps/certs/renew.sh', renderCertsRenew(cp, true));
    expectGolden('steps/certs/restart-only.sh', renderCertsRenew(cp, false));
    expect(renderCertsProbe(cp)).toContain('openssl s_client -connect 10.77.0.11:6443 ');
  });

  it('changes nothing when every certificate has 30 days or more and the API server serves the file', () => {
    expect(planCertsRenew(probe(), 'node1', false)).toEqual({ changes: [], actions: { renew: false, restart: false } });
  });

  it('renews and restarts when one is under 30 days, naming it', () => {
    const p = planCertsRenew(probe({}, 'Dec 10, 2026 02:35 UTC'), 'node1', false);
    expect(p.actions).toEqual({ renew: true, restart: true });
    expect(p.changes[0]).toBe('kubeadm certs renew all (apiserver 9 day(s) left)');
    expect(p.changes[1]).toMatch(/^restart the control-plane static pods \(to load the renewed certificates\)/);
  });

  it('--force renews all that kubeadm manages, not the externally managed', () => {
    expect(planCertsRenew(probe(), 'node1', true).changes[0]).toBe('kubeadm certs renew all (--force: all 2, the first expiring in 364 day(s))');
  });

  it('restarts only, when a renewal was not followed by a restart or a restart was interrupted', () => {
    expect(planCertsRenew(probe({ served_cert: 'BB' }), 'node1', false)).toMatchObject({ actions: { renew: false, restart: true }, changes: [expect.stringContaining('still serves its old certificate')] });
    const aside = parseKv(`${[...probe().entries()].map(([k, v]) => `${k}=${v[0]}`).join('\n')}\naside=kube-apiserver.yaml`);
    expect(planCertsRenew(aside, 'node1', false).changes[0]).toContain('left kube-apiserver.yaml in /etc/kubernetes/kinstall/manifests-aside');
  });

  it('fails, naming the host, without a cluster or when kubeadm cannot read the certificates', () => {
    expect(() => planCertsRenew(parseKv('admin_conf=no'), 'node1', false)).toThrow(/admin\.conf is absent/);
    try {
      planCertsRenew(probe({ check_rc: '1', 'check.b64': Buffer.from('error: open ca.crt: permission denied').toString('base64') }), 'node1', false);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KinstallError);
      expect((e as KinstallError).format()).toMatch(/^node1: kubeadm certs check-expiration exited with 1: error: open ca.crt/);
    }
  });

  it('acts on the control planes only, one at a time', () => {
    const step = certsRenewStep({ force: false });
    expect(step.serial).toBe(true);
    expect(step.hosts({ targets: hosts } as never).map((h) => h.name)).toEqual(hosts.filter((h) => h.isControlPlane).map((h) => h.name));
  });
});
