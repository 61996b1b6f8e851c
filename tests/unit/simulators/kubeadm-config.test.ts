import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseDuration, parseKubeadmConfig, resolveInit, resolveJoin, serviceIP, parseCidr } from '../../../lab/simulators/src/common/kubeadm/config.js';
import { checkConfigMixing, parseFlags, UsageError } from '../../../lab/simulators/src/common/kubeadm/flags.js';
import { evaluate } from '../../../lab/simulators/src/common/kubeadm/preflight.js';
import { decryptWithKey, encryptWithKey, generateCertificateKey, generateToken, joinCommand, tokenSecret } from '../../../lab/simulators/src/common/kubeadm/tokens.js';
import { imageList, parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';
import { caCertHash, createCa } from '../../../lab/simulators/src/common/pki.js';

const v128 = parseVersion('1.28.15')!;
const cluster = (extra: string) => `apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.15\n${extra}`;
const init = (text: string) => resolveInit(parseKubeadmConfig(text, 'init'), v128, 'cp1');
const initError = (text: string) => { try { init(text); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as Error).message; } throw new Error('expected a ConfigError'); };

describe('kubeadm config decoding', () => {
  it('accepts a full v1beta3 init config and applies kubeadm defaults', () => {
    const s = init(`apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 10.77.0.11, bindPort: 6443}
nodeRegistration: {criSocket: unix:///run/containerd/containerd.sock, kubeletExtraArgs: {node-ip: 10.77.0.11}}
---
${cluster('networking: {podSubnet: 10.244.0.0/16}\ncontrolPlaneEndpoint: 10.77.0.11:6443')}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
`);
    expect(s.cluster.networking).toEqual({ serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local', podSubnet: '10.244.0.0/16' });
    expect(s.kubelet.clusterDNS).toEqual(['10.96.0.10']);
    expect(s.init.nodeRegistration.name).toBe('cp1');
    expect(s.warnings).toEqual([]);
  });
  it('v1beta4 is not registered in a 1.28 kubeadm', () => {
    expect(() => parseKubeadmConfig('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n', 'init')).toThrow(
      'no kind "ClusterConfiguration" is registered for version "kubeadm.k8s.io/v1beta4" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"');
  });
  it('unknown fields are a strict decoding ERROR (deliberately stricter than 1.28, which warns)', () => {
    expect(() => parseKubeadmConfig(cluster('networking: {podCIDR: 10.244.0.0/16}\nfoo: 1'), 'init')).toThrow(
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta3", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "networking.podCIDR", unknown field "foo"');
  });
  it('wrong field types are decode errors', () => {
    expect(() => parseKubeadmConfig(cluster('apiServer: {certSANs: lb.example.com}'), 'init')).toThrow(
      'json: cannot unmarshal string into Go struct field ClusterConfiguration.apiServer.certSANs of type []string');
  });
  it('missing kind, duplicate kinds, YAML syntax errors', () => {
    expect(() => parseKubeadmConfig('apiVersion: kubeadm.k8s.io/v1beta3\n', 'init')).toThrow(/Object 'Kind' is missing/);
    expect(() => parseKubeadmConfig(`${cluster('')}---\n${cluster('')}`, 'init')).toThrow('invalid configuration: kind "ClusterConfiguration" is specified twice in YAML file');
    expect(() => parseKubeadmConfig('kind: [', 'init')).toThrow(/error converting YAML to JSON/);
  });
  it('foreign documents are ignored with a warning', () => {
    const cfg = parseKubeadmConfig('apiVersion: v1\nkind: ConfigMap\n', 'init');
    expect(cfg.warnings).toEqual(['[config] WARNING: Ignored YAML document with GroupVersionKind /v1, Kind=ConfigMap']);
  });
});

describe('kubeadm config validation', () => {
  it('rejects bad CIDRs and a too large service subnet', () => {
    expect(initError(cluster('networking: {serviceSubnet: 10.96.0.0/33}'))).toBe('networking.serviceSubnet: Invalid value: "10.96.0.0/33": couldn\'t parse subnet');
    expect(initError(cluster('networking: {serviceSubnet: 10.0.0.0/8}'))).toContain('specified service subnet is too large; for 32-bit addresses, the mask must be >= 12');
    expect(initError(cluster('networking: {podSubnet: 10.244.0.0/25}'))).toBe('networking.podSubnet: Invalid value: "10.244.0.0/25": the size of pod subnet with mask 25 is smaller than the size of node subnet with mask 24');
  });
  it('aggregates several field errors like kubeadm', () => {
    expect(initError(cluster('networking: {serviceSubnet: nope, podSubnet: alsonope}'))).toMatch(/^\[networking\.serviceSubnet: .*, networking\.podSubnet: .*\]$/);
  });
  it('rejects bad advertise address, port, token and certificate key', () => {
    const ic = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n${body}\n---\n${cluster('')}`;
    expect(initError(ic('localAPIEndpoint: {advertiseAddress: 10.77.0.300}'))).toBe('localAPIEndpoint.advertiseAddress: Invalid value: "10.77.0.300": cannot parse IP address');
    expect(initError(ic('localAPIEndpoint: {advertiseAddress: 10.0.0.1, bindPort: 70000}'))).toBe('localAPIEndpoint.bindPort: Invalid value: 70000: port number is not valid');
    expect(initError(ic('localAPIEndpoint: {advertiseAddress: 10.0.0.1}\nbootstrapTokens: [{token: ABCDEF.0123456789abcdef}]'))).toBe('bootstrapTokens.0.token: Invalid value: "ABCDEF.0123456789abcdef": the bootstrap token is invalid');
    expect(initError(ic('localAPIEndpoint: {advertiseAddress: 10.0.0.1}\ncertificateKey: abc'))).toContain('certificateKey: Invalid value: "abc"');
  });
  it('enforces the control-plane version window of kubeadm', () => {
    expect(initError(cluster('').replace('v1.28.15', 'v1.26.3'))).toBe('this version of kubeadm only supports deploying clusters with the control plane version >= 1.27.0. Current version: v1.26.3');
    expect(init(cluster('').replace('v1.28.15', 'v1.27.9')).k8s).toEqual({ major: 1, minor: 27, patch: 9 });
    const newer = init(cluster('').replace('v1.28.15', 'v1.29.4'));
    expect(newer.warnings.some((w) => w.includes('Kubernetes version is greater than kubeadm version'))).toBe(true);
    expect(initError(cluster('').replace('v1.28.15', 'stable'))).toMatch(/couldn't parse Kubernetes version "stable"/);
  });
});

describe('kubeadm join validation', () => {
  const joinCfg = (bt: string, extra = '') => parseKubeadmConfig(`apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken: ${bt}\n${extra}`, 'join');
  const hash = `sha256:${'a'.repeat(64)}`;
  it('accepts a valid token discovery', () => {
    const j = resolveJoin(joinCfg(`{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.77.0.11:6443", caCertHashes: ["${hash}"]}`), 'w1');
    expect(j).toMatchObject({ token: 'abcdef.0123456789abcdef', tlsBootstrapToken: 'abcdef.0123456789abcdef', endpoint: '10.77.0.11:6443', nodeName: 'w1' });
  });
  it('rejects bad tokens, hashes and missing pinning', () => {
    expect(() => resolveJoin(joinCfg(`{token: abc, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${hash}"]}`))).toThrow('discovery.bootstrapToken.token: Invalid value: "abc": the bootstrap token is invalid');
    expect(() => resolveJoin(joinCfg('{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["sha256:abcd"]}'))).toThrow('invalid hash "sha256:abcd", expected a 32 byte SHA-256 hash, found 2 bytes');
    expect(() => resolveJoin(joinCfg('{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["deadbeef"]}'))).toThrow('expected a "type:value" format');
    expect(() => resolveJoin(joinCfg('{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443"}'))).toThrow('using token-based discovery without caCertHashes can be unsafe');
    expect(() => resolveJoin(joinCfg(`{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1", caCertHashes: ["${hash}"]}`))).toThrow('missing port in address');
  });
  it('control-plane join needs a 64-hex certificate key', () => {
    expect(() => resolveJoin(joinCfg(`{token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["${hash}"]}`, 'controlPlane: {certificateKey: short}'))).toThrow('controlPlane.certificateKey: Invalid value: "short"');
  });
});

describe('tokens, hashes, certificate keys', () => {
  it('generates tokens of the bootstrap format and stores them as kubeadm does', () => {
    for (let i = 0; i < 20; i++) expect(generateToken()).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const s = tokenSecret({ token: 'abcdef.0123456789abcdef', ttl: '1h', now: new Date('2024-01-01T00:00:00Z') });
    const d = Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(s.metadata.name).toBe('bootstrap-token-abcdef');
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(d).toMatchObject({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', expiration: '2024-01-01T01:00:00Z', 'usage-bootstrap-signing': 'true', 'usage-bootstrap-authentication': 'true' });
    expect(tokenSecret({ token: 'abcdef.0123456789abcdef', ttl: '0' }).data.expiration).toBeUndefined();
    expect(() => tokenSecret({ token: 'abcdef.0123456789abcdef', usages: ['bogus'] })).toThrow('invalid bootstrap token usage string: bogus');
  });
  it('CA hash is sha256 of the SubjectPublicKeyInfo DER, checked against openssl', async () => {
    const ca = createCa('kubernetes');
    const { execFileSync } = await import('node:child_process');
    const der = execFileSync('sh', ['-c', 'openssl x509 -pubkey -noout | openssl pkey -pubin -outform der'], { input: ca.certPem });
    expect(caCertHash(ca.certPem)).toBe(`sha256:${crypto.createHash('sha256').update(der).digest('hex')}`);
    expect(caCertHash(ca.certPem)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  it('prints the join command with the hash', () => {
    expect(joinCommand('10.0.0.1:6443', 'abcdef.0123456789abcdef', `sha256:${'0'.repeat(64)}`)).toBe(`kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash sha256:${'0'.repeat(64)} `);
  });
  it('certificate keys seal and unseal; a wrong key fails authentication', () => {
    const key = generateCertificateKey();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const sealed = encryptWithKey(Buffer.from('secret ca key'), key);
    expect(decryptWithKey(sealed, key).toString()).toBe('secret ca key');
    expect(() => decryptWithKey(sealed, generateCertificateKey())).toThrow('cipher: message authentication failed');
  });
  it('durations, service IPs and image lists', () => {
    expect(parseDuration('24h0m0s')).toBe(86_400_000);
    expect(parseDuration('1x')).toBeNull();
    expect(serviceIP(parseCidr('10.96.0.0/12')!, 1)).toBe('10.96.0.1');
    expect(imageList(v128, 'registry.lab:5000')).toContain('registry.lab:5000/coredns:v1.10.1');
    expect(imageList(parseVersion('1.29.10')!)).toContain('registry.k8s.io/coredns/coredns:v1.11.1');
  });
});

describe('kubeadm flags and preflight evaluation', () => {
  it('cobra-like parsing, unknown flags fail', () => {
    const a = parseFlags(['--config=x.yaml', '--ignore-preflight-errors', 'Swap,NumCPU', '--upload-certs'], { config: 'string', 'ignore-preflight-errors': 'list', 'upload-certs': 'bool' });
    expect(a.flags.get('ignore-preflight-errors')).toEqual(['Swap', 'NumCPU']);
    expect(() => parseFlags(['--nope'], {})).toThrow(new UsageError('unknown flag: --nope'));
  });
  it('--config mixes only with the allowed flags', () => {
    const a = parseFlags(['--config', 'c.yaml', '--pod-network-cidr', '10.0.0.0/16', '--upload-certs'], { config: 'string', 'pod-network-cidr': 'string', 'upload-certs': 'bool' });
    expect(() => checkConfigMixing(a, ['config', 'upload-certs'])).toThrow("can not mix '--config' with arguments [pod-network-cidr]");
  });
  it('ignored preflight errors become warnings (case-insensitive, "all")', () => {
    const results = [{ name: 'Swap', level: 'ERROR' as const, message: 'running with swap on is not supported. Please disable swap' }, { name: 'Port-6443', level: 'ERROR' as const, message: 'Port 6443 is in use' }];
    expect(evaluate(results, ['swap'])).toEqual({ warnings: ['\t[WARNING Swap]: running with swap on is not supported. Please disable swap'], errors: ['\t[ERROR Port-6443]: Port 6443 is in use'] });
    expect(evaluate(results, ['all']).errors).toEqual([]);
  });
});
