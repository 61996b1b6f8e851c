import { describe, expect, it } from 'vitest';
import {
  binaryUrlTemplate,
  dns1123Label,
  dns1123Subdomain,
  envVarName,
  hostPort,
  httpUrl,
  imageRepository,
  kubeletNodeLabel,
  inventoryNodeLabel,
  labelValue,
  localPath,
  packageVersion,
  posixUserName,
  qualifiedName,
  registryKey,
  sha256Hex,
  show,
  sshAddress,
  type Grammar,
} from '../../../src/inventory/grammar.js';
import { sha256For } from '../../../src/inventory/schema.js';

/** Each grammar against values it must accept and values it must refuse. */
function table(name: string, grammar: Grammar, accepted: string[], refused: string[]): void {
  describe(name, () => {
    it.each(accepted)('accepts %j', (value) => expect(grammar(value)).toBeUndefined());
    it.each(refused)('refuses %j', (value) => expect(grammar(value)?.message).toEqual(expect.any(String)));
  });
}

// k8s.io/apimachinery/pkg/util/validation/validation.go IsDNS1123Label (63) and its tests.
table('dns1123Label', dns1123Label, ['a', 'demo', 'my-cluster-1', '0', 'a'.repeat(63)], ['', 'A', 'demo_1', '-a', 'a-', 'a.b', 'a'.repeat(64), 'a'.repeat(300)]);
// validation.go IsDNS1123Subdomain (253).
table('dns1123Subdomain', dns1123Subdomain, ['cluster.local', 'a', 'a.b-c.d', `${'a'.repeat(63)}.${'b'.repeat(63)}`], ['', 'Cluster.local', 'a..b', '.a', 'a.', 'a_b', 'a'.repeat(254)]);
// validation.go IsQualifiedName: [prefix/]name, prefix a DNS-1123 subdomain, name <= 63.
table(
  'qualifiedName',
  qualifiedName,
  ['disktype', 'example.com/disk', 'A_b.c-D', 'node.kubernetes.io/role', `x/${'a'.repeat(63)}`],
  ['', '/a', 'a/', 'a/b/c', 'Example.com/a', '-a', 'a-', 'a b', `${'a'.repeat(64)}`, 'a$(x)'],
);
// validation.go IsValidLabelValue: empty or <= 63 of [A-Za-z0-9-_.], alphanumeric at both ends.
table('labelValue', labelValue, ['', 'ssd', 'A.b_c-1', 'a'.repeat(63)], ['-a', 'a-', 'a b', 'a/b', 'a'.repeat(64), '$(touch /tmp/p)']);
// pkg/kubelet/apis/well_known_labels.go: kubelet may set only these kubernetes.io labels on its own node.
table(
  'kubeletNodeLabel',
  kubeletNodeLabel,
  ['disktype', 'example.com/disk', 'node.kubernetes.io/pool', 'x.kubelet.kubernetes.io/a', 'topology.kubernetes.io/zone', 'kubernetes.io.example.com/a'],
  ['node-role.kubernetes.io/worker', 'kubernetes.io/role', 'k8s.io/a', 'x.k8s.io/a', 'node-restriction.kubernetes.io/a'],
);

// pkg/kubelet/kubelet_node_status.go: kubelet writes hostname/os/arch itself on every start.
table('inventoryNodeLabel', inventoryNodeLabel, ['node-role.kubernetes.io/worker', 'disktype', 'topology.kubernetes.io/zone'], ['kubernetes.io/hostname', 'kubernetes.io/os', 'beta.kubernetes.io/arch']);

// DNS is case-insensitive; the kubeadm renderer lowercases the endpoint for the certificate.
it('hostPort accepts a mixed-case DNS name', () => expect(hostPort('LB.example.com:6443')).toBeUndefined());

table('sshAddress (IPv4 or DNS name, any case)', sshAddress, ['192.168.1.10', 'node1', 'Node1.Example.COM'], ['fd00::1', '::1', '192.168.1.300', 'a_b', '-a', 'a..b', 'a b', '']);
table(
  'hostPort (controlPlaneEndpoint)',
  hostPort,
  ['lb.example.com', 'lb.example.com:6443', '192.168.1.100:6443', 'lb:1', 'lb:65535'],
  [
    'lb.example.com#;s#.*#touch /tmp/p#e;#', // issue 10: pasted into a sed expression, ran a command
    'lb:0',
    'lb:65536',
    'lb:',
    'lb:+1',
    'lb:6443x',
    '[fd00::1]:6443',
    'fd00::1',
    'lb example',
    '1.2.3.4.5',
    '',
  ],
);

// github.com/distribution/reference regexp.go: domain[:port] then lowercase path components.
table(
  'imageRepository',
  imageRepository,
  ['registry.k8s.io', 'registry.aliyuncs.com/google_containers', '10.77.255.1:5000/google_containers', 'localhost:5000/k8s', 'registry.k8s.io/', 'Registry.Example.com/a/b-c/d__e'],
  ['k8s', 'library/k8s', 'https://registry.k8s.io', 'registry.k8s.io/Google', 'registry.k8s.io//x', 'registry.k8s.io/a b', 'reg$(x).io/a', 'registry.k8s.io:99999', '[fd00::1]:5000/x', `r.io/${'a'.repeat(260)}`],
);
table(
  'registryKey (registryMirrors keys)',
  registryKey,
  ['docker.io', 'registry.k8s.io', 'host:5000', '10.77.255.1:5000', '_default', 'localhost'],
  ['../../etc/cron.d/x', 'docker.io/library', 'a\\b', '..', '', 'Docker.io', 'host:0', 'a b', '_other'],
);
table(
  'httpUrl',
  httpUrl,
  ['https://pkgs.k8s.io/core:/stable:', 'http://10.77.255.1:8080/core/stable', 'https://mirror.example.com/a%20b?x=1'],
  ['ftp://x', 'https://', 'https:///path', 'https://a b', 'https://a\nb', 'https://a"b', "https://a'b", 'https://a\\b', 'https://a`b', 'https://user:pw@m.example', 'file:///etc/passwd', 'mirror.example.com', 'https://[fd00::1]/'],
);
table(
  'binaryUrlTemplate',
  binaryUrlTemplate,
  ['https://github.com/containerd/containerd/releases/download/v{version}/containerd-{version}-linux-{arch}.tar.gz', 'http://m/x.tgz'],
  ['https://m/{os}.tgz', 'https://m/{version', 'https://m/}', 'https://m/$(touch /tmp/p)"', 'https://m/ x', 'ftp://m/{version}'],
);
table(
  'packageVersion (containerd.version)',
  packageVersion,
  ['1.7.24', '2.0.1', '1.6.20~ds1-1+deb12u2', '1.7.24-1.el9', '1:1.7.24-1', '1.7.24_1'],
  ['1.7.24$(touch /tmp/p)', 'v1.7.24', '1.7.24 ', ' 1.7.24', '1.7"24', "1.7.24'", 'latest', '', '1'.repeat(129), '1.7;id'],
);
table('sha256Hex', sha256Hex, ['a'.repeat(64), '0123456789abcdef'.repeat(4)], ['A'.repeat(64), 'a'.repeat(63), 'g'.repeat(64), '']);
// shadow-utils lib/chkname.c is_valid_user_name, at most 32 (utmp).
table('posixUserName', posixUserName, ['root', 'admin', '_svc', 'ci.bot-1', 'A'], ['-x', '.x', '..', '1abc', 'a b', 'a$', 'a;id', 'a'.repeat(33), '']);
// POSIX.1-2017 Base Definitions 8.1: portable environment variable names.
table('envVarName', envVarName, ['KINSTALL_PASSWORD', '_X', 'a1'], ['1A', 'A-B', 'A B', 'hunter2!', '$HOME', '']);
table('localPath', localPath, ['~/.ssh/id_ed25519', '/a b/c', 'relative/key'], ['/a\nb', '/a\u0000b', '/a\u007fb', 'x'.repeat(4097)]);

describe('messages', () => {
  it('quote the value, escape control characters and cut long values', () => {
    expect(show('a\nb')).toBe('"a\\nb"');
    expect(show('x'.repeat(300))).toBe(JSON.stringify(`${'x'.repeat(77)}...`));
  });
  it('carry a hint with the lowercase form where that is the fix', () => {
    expect(dns1123Label('Demo')).toEqual({ message: '"Demo" is not a DNS-1123 label', hint: 'Kubernetes names are lowercase: write demo' });
  });
  it('say IPv6 is not implemented yet', () => {
    expect(hostPort('fd00::1')?.message).toMatch(/IPv6\/dual-stack is not implemented yet/);
    expect(sshAddress('fd00::1')?.message).toMatch(/IPv6\/dual-stack is not implemented yet/);
  });
  it('explain why kubelet refuses a label', () => {
    expect(kubeletNodeLabel('node-role.kubernetes.io/worker')?.message).toMatch(/kubelet refuses to set on its own node/);
  });
});

describe('sha256For', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  it('one string serves every architecture', () => {
    expect(sha256For({ binarySha256: a }, 'arm64')).toBe(a);
  });
  it('a map gives each architecture its own, undefined for one it does not name', () => {
    expect(sha256For({ binarySha256: { amd64: a, arm64: b } }, 'arm64')).toBe(b);
    expect(sha256For({ binarySha256: { amd64: a } }, 's390x')).toBeUndefined();
  });
  it('undefined without binarySha256', () => {
    expect(sha256For({}, 'amd64')).toBeUndefined();
  });
});
