import { describe, expect, it } from 'vitest';
import { dueForRenewal, parseExpirationTable, parseExpiry } from '../../../src/preflight/certs.js';
import { parseFacts } from '../../../src/preflight/facts.js';
import { controlPlane, fixtureFacts, fixtureText, runCheck, worker } from './helpers.js';

// kubeadm 1.29's table (cmd/kubeadm/app/cmd/certs.go), as the simulator and kubeadm print it.
const table = (apiserver: string, apiLeft: string, ca = 'Nov 27, 2036 02:34 UTC') => `[check-expiration] Reading configuration from the cluster...
[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'

CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
admin.conf                 Nov 30, 2027 02:35 UTC   364d            ca                      no      
apiserver                  ${apiserver}   ${apiLeft.padEnd(16)}ca                      no      
apiserver-etcd-client      Nov 30, 2027 02:35 UTC   364d            etcd-ca                 no      
front-proxy-client         Nov 30, 2027 02:35 UTC   364d            front-proxy-ca          yes     
super-admin.conf           Nov 30, 2027 02:35 UTC   364d            ca                      no      

CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
ca                      ${ca}   9y              no      
front-proxy-ca          Nov 27, 2036 02:34 UTC   9y              yes     
`;
const NOW = Date.UTC(2026, 10, 30, 2, 40) / 1000;

function withExpiry(output: string, exitCode = 0) {
  const f = fixtureFacts('debian12');
  f.adminConf = true;
  f.epoch = NOW;
  f.certExpiry = { exitCode, output };
  return f;
}

describe('cert-expiry', () => {
  it('parses both tables of kubeadm certs check-expiration', () => {
    expect(parseExpiry('Dec 10, 2026 02:35 UTC')?.toISOString()).toBe('2026-12-10T02:35:00.000Z');
    expect(parseExpiry('10 Dec 2026')).toBeUndefined();
    const t = parseExpirationTable(table('Dec 10, 2026 02:35 UTC', '10d') + '!MISSING! etcd-peer\n');
    expect(t.certs.map((c) => c.name)).toEqual(['admin.conf', 'apiserver', 'apiserver-etcd-client', 'front-proxy-client', 'super-admin.conf']);
    expect(t.cas.map((c) => `${c.name}:${c.externallyManaged}`)).toEqual(['ca:false', 'front-proxy-ca:true', 'etcd-peer:false']);
    expect(t.certs[2]).toMatchObject({ ca: 'etcd-ca', externallyManaged: false });
    expect(dueForRenewal(t, NOW * 1000).map((c) => c.name)).toEqual(['apiserver']);
    expect(dueForRenewal(t, NOW * 1000, 400).map((c) => c.name)).toEqual(['admin.conf', 'apiserver', 'apiserver-etcd-client', 'super-admin.conf']);
  });

  it('passes a year of validity, naming the first to expire', () => {
    const r = runCheck('cert-expiry', withExpiry(table('Nov 30, 2027 02:35 UTC', '364d')));
    expect(r).toMatchObject({ status: 'pass', message: expect.stringContaining('5 certificates and 2 CAs valid for 30 days or more; the first to expire: admin.conf (2027-11-30 02:35 UTC, 364 day(s) left)') });
  });

  it('warns under 30 days naming the certificate and its date, with the renew command', () => {
    const r = runCheck('cert-expiry', withExpiry(table('Dec 10, 2026 02:35 UTC', '9d')));
    expect(r).toEqual({ status: 'warn', message: 'expire in under 30 days: apiserver (2026-12-10 02:35 UTC, 9 day(s) left)', fix: expect.stringContaining('kinstall certs renew INVENTORY') });
  });

  it('fails when one has expired; an expiring CA points at CA rotation, not at certs renew', () => {
    const r = runCheck('cert-expiry', withExpiry(table('Nov 29, 2026 02:35 UTC', '<invalid>')));
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/^expired: apiserver \(2026-11-29 02:35 UTC, 1 day\(s\) ago\)/), fix: expect.stringContaining('kinstall certs renew') });
    const ca = runCheck('cert-expiry', withExpiry(table('Nov 30, 2027 02:35 UTC', '364d', 'Dec 05, 2026 00:00 UTC')));
    expect(ca).toMatchObject({ status: 'warn', message: expect.stringContaining('ca (2026-12-05'), fix: expect.stringContaining('rotate them by hand') });
  });

  it('is skipped, with the reason, on workers and on hosts without a cluster; a failing kubeadm warns', () => {
    expect(runCheck('cert-expiry', withExpiry(table('Nov 29, 2026 02:35 UTC', '<invalid>')), worker)).toEqual({ status: 'skip', message: 'not a control plane', fix: '' });
    expect(runCheck('cert-expiry', fixtureFacts('debian12'), controlPlane)).toMatchObject({ status: 'skip', message: expect.stringContaining('no running cluster') });
    expect(runCheck('cert-expiry', withExpiry('error: open /etc/kubernetes/pki/ca.crt: no such file or directory', 1))).toMatchObject({ status: 'warn', message: expect.stringContaining('exited with 1: error: open /etc/kubernetes/pki/ca.crt') });
  });

  it('reads the facts script lines cert_expiry_rc and cert_expiry.b64', () => {
    const base = fixtureText('debian12.txt').replace(/^end=ok$/m, '');
    const out = `${base}cert_expiry_rc=0\ncert_expiry.b64=${Buffer.from(table('Dec 10, 2026 02:35 UTC', '9d')).toString('base64')}\nend=ok\n`;
    expect(parseFacts(out).certExpiry).toEqual({ exitCode: 0, output: table('Dec 10, 2026 02:35 UTC', '9d') });
    expect(parseFacts(fixtureText('debian12.txt')).certExpiry).toBeUndefined();
  });
});
