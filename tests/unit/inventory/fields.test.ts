import { describe, expect, it } from 'vitest';
import { loadInventoryText } from '../../../src/inventory/load.js';
import { formatProblem } from '../../../src/inventory/problems.js';
import { inventoryJsonSchema } from '../../../src/cli/commands/schema.js';
import { at, FILE, inventoryText, problemsOf } from './helpers.js';

/**
 * Every string field of the schema goes through its grammar when the inventory is loaded: the
 * refusal points at the value (or the key, for map keys), names the field and carries a hint.
 * The hostile values are the ones issue 10 reproduced as root commands on a host.
 */
const cp = (more = '') => `  - {name: cp1, address: 192.168.1.10, roles: [control-plane]${more}}`;

function load(text: string) {
  return loadInventoryText(text, FILE, { env: {}, homeDir: '/home/op' });
}

describe('hostile values from issue 10 are refused at their line', () => {
  it('controlPlaneEndpoint with a sed command', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  controlPlaneEndpoint: "lb.example.com#;s#.*#touch /tmp/p#e;#"'] });
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ ...at(text, 9, '"lb'), message: expect.stringMatching(/^kubernetes\.controlPlaneEndpoint: .* is not host\[:port\]/) });
    expect(problem!.hint).toBeDefined();
  });

  it('containerd.version with a command substitution', () => {
    const text = inventoryText({ extra: ['containerd:', '  version: "1.7.24$(touch /tmp/p)"'] });
    const problems = problemsOf(text);
    expect(problems[0]).toMatchObject({ ...at(text, 10, '"1.7'), message: 'containerd.version: "1.7.24$(touch /tmp/p)" is not a version' });
  });

  it('containerd.binaryUrl with quotes and an unknown placeholder', () => {
    const quote = inventoryText({ extra: ['containerd:', `  binaryUrl: 'https://m/x"; touch /tmp/p; "'`] });
    expect(problemsOf(quote)[0]!.message).toMatch(/^containerd\.binaryUrl: .* contains "\\"", which a URL cannot hold/);
    const placeholder = inventoryText({ extra: ['containerd:', '  binaryUrl: https://m/{os}.tgz'] });
    expect(problemsOf(placeholder)[0]).toMatchObject({ message: 'containerd.binaryUrl: "https://m/{os}.tgz" has an unknown placeholder "{os}"', hint: 'only {version} and {arch} are substituted' });
  });

  it('a registryMirrors key that is a path, at the key', () => {
    const text = inventoryText({ extra: ['containerd:', '  registryMirrors:', '    ../../../etc/cron.d/x: [https://m.example]'] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 11, '../'),
        message: 'containerd.registryMirrors: key registry "../../../etc/cron.d/x" contains a path separator',
        hint: 'a mirror key is a registry host name such as docker.io, registry.k8s.io or myregistry:5000 (or _default)',
      },
    ]);
  });

  it('a mirror URL with a control character', () => {
    const text = inventoryText({ extra: ['containerd:', '  registryMirrors:', '    docker.io: ["https://m.example/\\u0001x"]'] });
    expect(problemsOf(text)[0]!.message).toMatch(/^containerd\.registryMirrors\.docker\.io\[0\]: .* contains "\\u0001"/);
  });

  it('a 300-character metadata.name', () => {
    const text = inventoryText().replace('metadata: {name: demo}', `metadata: {name: ${'a'.repeat(300)}}`);
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 3, 'aaa'), message: `metadata.name: "${'a'.repeat(77)}..." is longer than 63 characters (a DNS-1123 label)` },
    ]);
  });

  it('imageRepository and clusterDomain', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  imageRepository: "registry.k8s.io/$(id)"', '  clusterDomain: Cluster.Local'] });
    expect(problemsOf(text).map((p) => [p.line, p.message, p.hint])).toEqual([
      [9, 'kubernetes.imageRepository: "registry.k8s.io/$(id)": path component "$(id)" is not a valid repository name', 'lowercase letters and digits separated by ".", "_", "__" or "-"'],
      [10, 'kubernetes.clusterDomain: "Cluster.Local" is not a DNS-1123 subdomain', 'Kubernetes names are lowercase: write cluster.local'],
    ]);
  });

  it('packageRepository must be an http(s) URL without whitespace', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  packageRepository: "https://m.example/a b"'] });
    expect(problemsOf(text)[0]!.message).toMatch(/^kubernetes\.packageRepository: .* contains " "/);
  });
});

describe('ssh fields', () => {
  it('user, password env names, key paths and the bastion address each have a grammar', () => {
    const text = inventoryText({
      extra: [
        'ssh:',
        '  user: "root; id"',
        '  passwordEnv: "hunter2!"',
        '  identityFile: "/tmp/k\\nx"',
        '  bastion: {address: "fd00::1"}',
      ],
    });
    expect(problemsOf(text).map((p) => [p.line, p.message])).toEqual([
      [10, 'ssh.user: "root; id" is not a valid user name'],
      [11, 'ssh.passwordEnv: "hunter2!" is not an environment variable name'],
      [12, 'ssh.identityFile: path "/tmp/k\\nx" contains a control character'],
      [13, 'ssh.bastion.address: "fd00::1": IPv6/dual-stack is not implemented yet'],
    ]);
  });
});

describe('labels and taints', () => {
  it('label keys and values follow Kubernetes, at the key or the value', () => {
    const text = inventoryText({ hosts: [cp(', labels: {"bad key": x, ok: "-bad"}')] });
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.col, p.message])).toEqual([
      [5, at(text, 5, '"bad key"').col, 'hosts[0].labels: key "bad key" is not a qualified name'],
      [5, at(text, 5, '"-bad"').col, 'hosts[0].labels.ok: "-bad" is not a valid label value'],
    ]);
  });

  it('labels kubelet refuses in --node-labels are accepted (up sets them with kubectl); labels kubelet writes itself are refused', () => {
    expect(load(inventoryText({ hosts: [cp(', labels: {node-role.kubernetes.io/worker: ""}')] })).ok).toBe(true);
    const [problem] = problemsOf(inventoryText({ hosts: [cp(', labels: {kubernetes.io/hostname: other}')] }));
    expect(problem!.message).toMatch(/set by kubelet itself/);
  });

  it('taints: key, value and effect with Kubernetes grammar, duplicates by key and effect refused', () => {
    const good = inventoryText({ hosts: [cp(', taints: [{key: dedicated, value: gpu, effect: NoSchedule}, {key: example.com/x, effect: NoExecute}]')] });
    const loaded = load(good);
    expect(loaded.ok && loaded.inventory.hosts[0]!.taints).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'example.com/x', effect: 'NoExecute' },
    ]);
    const bad = inventoryText({ hosts: [cp(', taints: [{key: "a b", effect: NoSchedule}, {key: x, value: "-v", effect: Never}, {key: y}]')] });
    expect(problemsOf(bad).map((p) => p.message)).toEqual([
      'hosts[0].taints[0].key: "a b" is not a qualified name',
      'hosts[0].taints[1].value: "-v" is not a valid label value',
      'hosts[0].taints[1].effect: "Never" is not one of NoSchedule, PreferNoSchedule, NoExecute',
      'missing required key "effect" in hosts[0].taints[2]',
    ]);
    // Checked once every taint is well-formed (zod runs a list's own rule after its items').
    const duplicate = inventoryText({ hosts: [cp(', taints: [{key: y, effect: NoSchedule}, {key: y, value: z, effect: NoSchedule}, {key: y, effect: NoExecute}]')] });
    expect(problemsOf(duplicate).map((p) => p.message)).toEqual(['hosts[0].taints[1]: duplicate taint y:NoSchedule (taints must be unique by key and effect)']);
  });
});

describe('containerd.binarySha256', () => {
  const a = 'a'.repeat(64);
  it('one SHA-256 or one per architecture', () => {
    for (const value of [a, `{amd64: ${a}, arm64: ${'b'.repeat(64)}}`]) {
      expect(load(inventoryText({ extra: ['containerd:', `  binarySha256: ${value}`] })).ok).toBe(true);
    }
  });
  it('an unknown architecture is an unknown key with the known ones as a hint', () => {
    const text = inventoryText({ extra: ['containerd:', `  binarySha256: {mips: ${a}}`] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 10, 'mips'), message: 'unknown key "mips" in containerd.binarySha256', hint: 'known keys here: amd64, arm64, ppc64le, s390x' },
    ]);
  });
  it('a value that is neither a string nor a map names both', () => {
    const text = inventoryText({ extra: ['containerd:', '  binarySha256: [a]'] });
    expect(problemsOf(text).map((p) => p.message)).toEqual(['containerd.binarySha256: expected a string or a mapping, got a list']);
  });
  it('a bad digest in the map points at its architecture', () => {
    const text = inventoryText({ extra: ['containerd:', '  binarySha256: {arm64: ABC}'] });
    expect(problemsOf(text).map(formatProblem)).toEqual([
      `${FILE}:10:${at(text, 10, 'ABC').col}: containerd.binarySha256.arm64: "ABC" is not a SHA-256 (64 lowercase hex digits)\n  hint: sha256sum prints it`,
    ]);
  });
});

describe('host names and preflight ids', () => {
  it('a node name longer than a Linux hostname is refused unless setHostname is false', () => {
    const name = `n${'a'.repeat(30)}.${'b'.repeat(38)}`;
    const text = inventoryText({ hosts: [`  - {name: ${name}, address: 192.168.1.10, roles: [control-plane]}`] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 5, name),
        message: `host name "${name.slice(0, 40)}..." is longer than 64 characters, which a Linux hostname cannot be`,
        hint: "use a shorter name, or set setHostname: false to keep the machine's own hostname",
      },
    ]);
    expect(load(inventoryText({ hosts: [`  - {name: ${name}, address: 192.168.1.10, roles: [control-plane], setHostname: false}`] })).ok).toBe(true);
  });

  it('preflight.ignore entries have the shape of a check id even where the ids are not known', () => {
    const text = inventoryText({ extra: ['preflight: {ignore: [module-br_netfilter, "$(id)"]}'] });
    expect(problemsOf(text).map((p) => p.message)).toEqual(['preflight.ignore[1]: "$(id)" is not a check id']);
  });
});

describe('kinstall schema', () => {
  it('still generates with the grammar refinements, and describes the new fields', () => {
    const schema = JSON.stringify(inventoryJsonSchema());
    expect(schema).toContain('"taints"');
    expect(schema).toContain('"ppc64le"');
    expect(schema).toContain('NoSchedule');
  });
});

describe('firewall.allowDisable (a field must have an effect or be refused)', () => {
  it('false loads; true is refused at its line with the reason and what to do', () => {
    expect(load(`${inventoryText({})}firewall: {allowDisable: false}\n`).ok).toBe(true);
    const [problem] = problemsOf(`${inventoryText({})}firewall: {allowDisable: true}\n`);
    expect(problem!.message).toMatch(/kinstall never disables a firewall/);
    expect(problem!.hint).toMatch(/--fix opens the needed ports/);
  });
});

describe('empty optional sections', () => {
  it('`containerd:` with nothing under it (YAML null) means the defaults, like an absent key', () => {
    const loaded = load(`${inventoryText({})}containerd:\nnetwork:\naddons:\n`);
    expect(loaded.ok && loaded.inventory.containerd).toEqual({ source: 'package', registryMirrors: {} });
    expect(loaded.ok && loaded.inventory.network.plugin).toBe('flannel');
  });
});
