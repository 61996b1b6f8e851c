import { describe, expect, it } from 'vitest';
import { bootstrapTokenErrors, certSansErrors, ConfigError, nodeRegistrationErrors, parseKubeadmConfig, resolveInit, resolveJoin } from '../../../lab/simulators/src/common/kubeadm/config.js';
import { checkConfigMixing, isAllowedFlag, parseFlags } from '../../../lab/simulators/src/common/kubeadm/flags.js';
import { parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';

const v128 = parseVersion('1.28.15')!;
const initText = (init: string, cluster = '') => `apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nlocalAPIEndpoint: {advertiseAddress: 10.77.0.11}\n${init}\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.15\n${cluster}\n`;
const initError = (init: string, cluster = '') => {
  try { resolveInit(parseKubeadmConfig(initText(init, cluster), 'init'), v128, 'cp1'); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as Error).message; }
  return null;
};

describe('kubeadm config validation (cmd/kubeadm/app/apis/kubeadm/validation/validation.go)', () => {
  it('certSANs: lowercase DNS-1123 names, wildcards and IPs only (ValidateCertSANs)', () => {
    expect(certSansErrors(['api.example.com', '*.example.com', '10.77.0.11', 'fd00::1'], 'apiServer.certSANs')).toEqual([]);
    const [err] = certSansErrors(['API.Example.com'], 'apiServer.certSANs');
    expect(err).toMatch(/^apiServer\.certSANs: Invalid value: "API\.Example\.com": altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards: a lowercase RFC 1123 subdomain/);
    expect(initError('', 'apiServer: {certSANs: [Bad_Name]}')).toMatch(/^apiServer\.certSANs: Invalid value: "Bad_Name"/);
    expect(initError('', 'etcd: {local: {serverCertSANs: [UPPER]}}')).toMatch(/^etcd\.local\.serverCertSANs: Invalid value: "UPPER"/);
  });
  it('node names: a lowercase DNS-1123 subdomain (ValidateNodeRegistrationOptions), for init and join', () => {
    expect(nodeRegistrationErrors({ name: 'worker-1.lab' })).toEqual([]);
    expect(initError('nodeRegistration: {name: Worker1}')).toMatch(/^nodeRegistration\.name: Invalid value: "Worker1": a lowercase RFC 1123 subdomain must consist of/);
    expect(() => resolveJoin(parseKubeadmConfig(`apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery: {bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", unsafeSkipCAVerification: true}}\nnodeRegistration: {name: W_1}\n`, 'join'), 'w1'))
      .toThrow(/nodeRegistration\.name: Invalid value: "W_1"/);
    expect(nodeRegistrationErrors({ name: 'a', criSocket: '/run/containerd/containerd.sock' })[0]).toMatch(/^nodeRegistration\.criSocket: Invalid value/);
  });
  it('podSubnet: must hold one node subnet and at most 2^16 of them (ValidatePodSubnetNodeMask)', () => {
    expect(initError('', 'networking: {podSubnet: 10.0.0.0/8}')).toBeNull();
    expect(initError('', 'networking: {podSubnet: 10.0.0.0/7}')).toBe('networking.podSubnet: Invalid value: "10.0.0.0/7": pod subnet mask (7) and node-mask (24) difference is greater than 16');
    expect(initError('', 'networking: {podSubnet: 10.244.0.0/25}')).toBe('networking.podSubnet: Invalid value: "10.244.0.0/25": the size of pod subnet with mask 25 is smaller than the size of node subnet with mask 24');
    expect(initError('', 'networking: {podSubnet: 10.244.0.0/25}\ncontrollerManager: {extraArgs: {node-cidr-mask-size: "26"}}')).toBeNull();
  });
  it('bootstrap tokens: usages, groups only with authentication, group pattern, ttl xor expires (ValidateBootstrapTokens)', () => {
    expect(bootstrapTokenErrors([{ usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }])).toEqual([]);
    expect(bootstrapTokenErrors([{ usages: ['signing', 'auth'] }])).toEqual(['bootstrapTokens.0.usages: Invalid value: []string{"signing", "auth"}: invalid bootstrap token usage string: auth, valid usage options: signing,authentication']);
    expect(bootstrapTokenErrors([{ usages: ['signing'], groups: ['system:bootstrappers:x'] }])).toEqual(['bootstrapTokens.0.groups: Invalid value: []string{"system:bootstrappers:x"}: token groups cannot be specified unless --usages includes "authentication"']);
    expect(bootstrapTokenErrors([{ usages: ['authentication'], groups: ['system:nodes'] }])[0]).toMatch(/bootstrap group "system:nodes" is invalid \(must match \\Asystem:bootstrappers:\[a-z0-9:-\]\{0,255\}\[a-z0-9\]\\z\)$/);
    expect(bootstrapTokenErrors([{ ttl: '1h', expires: '2030-01-01T00:00:00Z' }])).toEqual(['bootstrapTokens.0: Invalid value: "": the BootstrapToken .TTL and .Expires fields are mutually exclusive']);
    expect(initError('bootstrapTokens: [{token: ABCDEF.0123456789abcdef}]')).toBe('bootstrapTokens.0.token: Invalid value: "ABCDEF.0123456789abcdef": the bootstrap token is invalid');
  });
  it('--config mixing: only isAllowedFlag flags and --skip-* beside --config, reported sorted', () => {
    for (const f of ['config', 'ignore-preflight-errors', 'dry-run', 'kubeconfig', 'node-name', 'upload-certs', 'v', 'skip-phases', 'skip-token-print']) expect(isAllowedFlag(f), f).toBe(true);
    for (const f of ['certificate-key', 'patches', 'cri-socket', 'kubernetes-version']) expect(isAllowedFlag(f), f).toBe(false);
    const a = parseFlags(['--config', 'x', '--patches', 'p', '--certificate-key', 'k', '--upload-certs'], { config: 'string', patches: 'string', 'certificate-key': 'string', 'upload-certs': 'bool' });
    expect(() => checkConfigMixing(a)).toThrow("can not mix '--config' with arguments [certificate-key patches]");
  });
});
