import { describe, expect, it } from 'vitest';
import { loadInventoryText } from '../../../src/inventory/load.js';
import { formatProblem } from '../../../src/inventory/problems.js';
import { at, FILE, inventoryText, problemsOf } from './helpers.js';

const host = (name: string, address: string, roles = 'worker', more = '') =>
  `  - {name: ${name}, address: ${address}, roles: [${roles}]${more}}`;

describe('a valid inventory', () => {
  it('loads', () => {
    const result = loadInventoryText(inventoryText(), FILE, { env: {}, homeDir: '/home/op' });
    expect(result.ok).toBe(true);
  });
});

describe('syntax and schema problems', () => {
  it('YAML syntax errors, with position', () => {
    const text = inventoryText({ kubernetes: ['  version: [1.28.15'] });
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.message).toMatch(/^YAML syntax: /);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(6);
  });

  it('duplicate keys are a syntax error at the second key', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  version: 1.29.1'] });
    expect(problemsOf(text)).toEqual([{ file: FILE, ...at(text, 9, 'version'), message: 'YAML syntax: Map keys must be unique' }]);
  });

  it('an empty file', () => {
    expect(problemsOf('')).toEqual([{ file: FILE, line: 1, col: 1, message: 'the inventory is empty' }]);
  });

  it('unknown key: at the key, with the closest known key', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  podSubnett: 10.244.0.0/16'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 9, 'podSubnett'), message: 'unknown key "podSubnett" in kubernetes', hint: 'did you mean "podSubnet"?' },
    ]);
  });

  it('unknown key without a close match lists the known keys', () => {
    const text = inventoryText({ extra: ['network: {flavour: x}'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 9, 'flavour'), message: 'unknown key "flavour" in network', hint: 'known keys here: plugin' },
    ]);
  });

  it('unknown key inside a host: hint from the host keys', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane', ', adress: x')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, 'adress'), message: 'unknown key "adress" in hosts[0]', hint: 'did you mean "address"?' },
    ]);
  });

  it('missing key: at the parent mapping', () => {
    const text = inventoryText({ kubernetes: ['  podSubnet: 10.244.0.0/16'] });
    expect(problemsOf(text)).toEqual([{ file: FILE, ...at(text, 8, 'podSubnet'), message: 'missing required key "version" in kubernetes' }]);
  });

  it('missing hosts: at the top-level mapping', () => {
    const text = 'apiVersion: kinstall/v1alpha1\nkind: Cluster\nmetadata: {name: demo}\nkubernetes: {version: 1.28.15}\n';
    expect(problemsOf(text)).toEqual([{ file: FILE, line: 1, col: 1, message: 'missing required key "hosts"' }]);
  });

  it('wrong type, with a quoting hint for numbers YAML made up', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.30'] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 8, '1.30'),
        message: 'kubernetes.version: Invalid input: expected string, received number',
        hint: 'YAML read this as a number; put the value in quotes',
      },
    ]);
  });

  it('unknown role', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane, master')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, 'master'), message: 'hosts[0].roles[1]: "master" is not one of control-plane, worker' },
    ]);
  });

  it('a misspelled role gets a hint', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane'), host('w1', '192.168.1.11', 'wroker')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 6, 'wroker'), message: 'hosts[1].roles[0]: "wroker" is not one of control-plane, worker', hint: 'did you mean "worker"?' },
    ]);
  });
});

describe('cross-field rules', () => {
  it('duplicate host names: at the second name', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane'), host('cp1', '192.168.1.11')] });
    expect(problemsOf(text)).toEqual([{ file: FILE, ...at(text, 6, 'cp1'), message: 'duplicate host name "cp1" (also hosts[0] at line 5)' }]);
  });

  it('host names must be node names', () => {
    const text = inventoryText({ hosts: [host('CP_1', '192.168.1.10', 'control-plane')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, 'CP_1'), message: 'host name "CP_1" is not a valid node name', hint: 'use lowercase letters, digits, "-" and "." (RFC 1123)' },
    ]);
  });

  it('duplicate addresses: at the second address', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane'), host('w1', '192.168.1.10')] });
    expect(problemsOf(text)).toEqual([{ file: FILE, ...at(text, 6, '192.168.1.10'), message: 'duplicate address "192.168.1.10" (also hosts[0] at line 5)' }]);
  });

  it('an invalid IPv4 address is not taken for a DNS name', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.300', 'control-plane')] });
    expect(problemsOf(text)).toEqual([{ file: FILE, ...at(text, 5, '192.168.1.300'), message: '"192.168.1.300" is not a valid IPv4 address' }]);
  });

  it('an invalid IPv6 address and an invalid DNS name', () => {
    const text = inventoryText({ hosts: [host('cp1', '"fe80::1::2"', 'control-plane'), host('w1', 'bad_name.example')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, '"fe80'), message: '"fe80::1::2" is not a valid IPv6 address' },
      { file: FILE, ...at(text, 6, 'bad_name'), message: '"bad_name.example" is neither an IP address nor a valid DNS name' },
    ]);
  });

  it('DNS names in any case are valid SSH addresses (SSH is case-insensitive)', () => {
    const text = inventoryText({ hosts: [host('cp1', 'cp1.example.com', 'control-plane'), host('w1', 'W1.Example.COM')] });
    expect(loadInventoryText(text, FILE, { env: {} }).ok).toBe(true);
  });

  it('IPv6 addresses are refused until dual-stack is implemented (issue 11 item 8)', () => {
    const text = inventoryText({
      hosts: [host('cp1', '192.168.1.10', 'control-plane', ', internalAddress: "fd00::10"'), host('w1', '"fd00::11"')],
    });
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [5, 'internalAddress "fd00::10": IPv6/dual-stack is not implemented yet'],
      [6, 'address "fd00::11": IPv6/dual-stack is not implemented yet'],
    ]);
    expect(problems[0]!.hint).toMatch(/IPv4/);
  });

  it('IPv6 subnets are refused until dual-stack is implemented', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  podSubnet: "fd00:10:244::/56"', '  serviceSubnet: "fd00:10:96::/112"'] });
    expect(problemsOf(text).map((p) => [p.line, p.message])).toEqual([
      [9, 'podSubnet fd00:10:244::/56: IPv6/dual-stack is not implemented yet'],
      [10, 'serviceSubnet fd00:10:96::/112: IPv6/dual-stack is not implemented yet'],
    ]);
  });

  it('uppercase node names are refused with the lowercase form as a hint (issue 11 item 9)', () => {
    const text = inventoryText({ hosts: [host('CP1.Example', '192.168.1.10', 'control-plane')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, 'CP1'), message: 'host name "CP1.Example" is not a valid node name', hint: 'node names are lowercase: write cp1.example' },
    ]);
  });

  it('internalAddress must be an IP', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane', ', internalAddress: cp1.lan')] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 5, 'cp1.lan'),
        message: 'internalAddress "cp1.lan" must be an IP address',
        hint: 'the cluster advertises this address; a DNS name cannot be used',
      },
    ]);
  });

  it('two hosts with the same internal address', () => {
    const text = inventoryText({
      hosts: [host('cp1', '192.168.1.10', 'control-plane', ', internalAddress: 10.0.0.5'), host('w1', '192.168.1.11', 'worker', ', internalAddress: 10.0.0.5')],
    });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 6, '10.0.0.5'), message: 'internal address "10.0.0.5" is also the internal address of hosts[0] (line 5)' },
    ]);
  });

  it('invalid CIDRs, with a fix for host bits', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  podSubnet: 10.244.0.1/16', '  serviceSubnet: 10.96.0.0/33'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 9, '10.244'), message: 'podSubnet: "10.244.0.1/16" has host bits set', hint: 'did you mean 10.244.0.0/16?' },
      { file: FILE, ...at(text, 10, '10.96'), message: 'serviceSubnet: "10.96.0.0/33" is not a CIDR: prefix must be 0-32' },
    ]);
  });

  it('a service subnet larger than kubeadm allows', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  serviceSubnet: 172.0.0.0/8'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 9, '172.0.0.0/8'), message: 'serviceSubnet 172.0.0.0/8 is larger than kubeadm allows (/12 at most)' },
    ]);
  });

  it('pod and service subnets overlapping', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  podSubnet: 10.96.0.0/16', '  serviceSubnet: 10.96.0.0/12'] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 10, '10.96.0.0/12'),
        message: 'serviceSubnet 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16',
        hint: 'choose ranges that do not overlap, e.g. podSubnet 10.244.0.0/16 and serviceSubnet 10.96.0.0/12',
      },
    ]);
  });

  it('overlap with a default subnet points at the subnet the operator wrote', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  podSubnet: 10.100.0.0/16'] });
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ ...at(text, 9, '10.100'), message: 'serviceSubnet 10.96.0.0/12 (the default) overlaps podSubnet 10.100.0.0/16' }),
    ]);
  });

  it('a host address inside the pod subnet: at the host internal address', () => {
    const text = inventoryText({
      hosts: [host('cp1', '192.168.1.10', 'control-plane', ', internalAddress: 10.244.3.4'), host('w1', '192.168.1.11')],
    });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 5, '10.244.3.4'),
        message: 'address 10.244.3.4 of host cp1 lies inside podSubnet 10.244.0.0/16 (the default)',
        hint: 'change kubernetes.podSubnet to a range the machines do not use',
      },
    ]);
  });

  it('a host address inside the service subnet', () => {
    const text = inventoryText({ hosts: [host('cp1', '10.100.0.10', 'control-plane')] });
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ ...at(text, 5, '10.100.0.10'), message: 'address 10.100.0.10 of host cp1 lies inside serviceSubnet 10.96.0.0/12 (the default)' }),
    ]);
  });

  it('no control-plane host: at hosts', () => {
    const text = inventoryText({ hosts: [host('w1', '192.168.1.11'), host('w2', '192.168.1.12')] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 5, '-'), message: 'no host has the control-plane role', hint: 'add "control-plane" to the roles of one host' },
    ]);
  });

  it('several control-plane hosts without controlPlaneEndpoint: at kubernetes', () => {
    const text = inventoryText({ hosts: [host('cp1', '192.168.1.10', 'control-plane'), host('cp2', '192.168.1.11', 'control-plane')] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 8, 'version'),
        message: '2 control-plane hosts need kubernetes.controlPlaneEndpoint or kubernetes.apiEndpoint',
        hint: 'set controlPlaneEndpoint to a load balancer or DNS name in front of all control-plane hosts (e.g. lb.example.com:6443), or, without one, apiEndpoint: {nodeLocal: {}} (docs/inventory.md, API endpoint)',
      },
    ]);
    const withEndpoint = inventoryText({
      hosts: [host('cp1', '192.168.1.10', 'control-plane'), host('cp2', '192.168.1.11', 'control-plane')],
      kubernetes: ['  version: 1.28.15', '  controlPlaneEndpoint: lb.example.com:6443'],
    });
    expect(loadInventoryText(withEndpoint, FILE, { env: {} }).ok).toBe(true);
  });

  it('a Kubernetes version that is not x.y.z', () => {
    const text = inventoryText({ kubernetes: ['  version: v1.28.15'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 8, 'v1.28'), message: 'Kubernetes version "v1.28.15" is not x.y.z', hint: 'write 1.28.15 (without the v)' },
    ]);
    const text2 = inventoryText({ kubernetes: ['  version: latest'] });
    expect(problemsOf(text2)[0]).toMatchObject({ message: 'Kubernetes version "latest" is not x.y.z', hint: 'an exact patch version such as 1.28.15' });
  });

  it('a Kubernetes version outside the supported table', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.27.16'] });
    expect(problemsOf(text)).toEqual([
      { file: FILE, ...at(text, 8, '1.27'), message: 'Kubernetes 1.27.16 is not supported', hint: 'supported: 1.28.x … 1.35.x' },
    ]);
  });

  it('a pinned containerd too old for the Kubernetes version: at containerd.version', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.30.4'], extra: ['containerd:', '  version: 1.6.20'] });
    expect(problemsOf(text)).toEqual([
      {
        file: FILE,
        ...at(text, 10, '1.6.20'),
        message: 'containerd 1.6.20 is too old for Kubernetes 1.30 (the 1.6 line needs >= 1.6.28)',
        hint: 'install containerd >= 2.1.0 or >= 2.0.0 or >= 1.7.13 or >= 1.6.28',
      },
    ]);
  });

  it('containerd 2.x with a Kubernetes minor before 1.30', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.29.2'], extra: ['containerd: {version: 2.0.2}'] });
    expect(problemsOf(text)[0]).toMatchObject({ ...at(text, 9, '2.0.2'), message: "containerd 2.x is not supported with Kubernetes 1.29 (containerd's table lists 1.7, 1.6)" });
  });

  it('preflight.ignore entries are checked only when check ids are given', () => {
    const text = inventoryText({ extra: ['preflight: {ignore: [swap, sysctl-ip-foward]}'] });
    expect(loadInventoryText(text, FILE, { env: {} }).ok).toBe(true);
    expect(problemsOf(text, { knownCheckIds: ['swap', 'sysctl-ip-forward'] })).toEqual([
      { file: FILE, ...at(text, 9, 'sysctl-ip-foward'), message: 'unknown preflight check id "sysctl-ip-foward"', hint: 'did you mean "sysctl-ip-forward"?' },
    ]);
  });
});

describe('reporting', () => {
  it('reports every problem at once, in file order', () => {
    const text = inventoryText({
      hosts: [host('cp1', '192.168.1.300', 'control-plane', ', colour: red'), host('cp1', '192.168.1.11', 'master')],
      kubernetes: ['  verison: 1.28.15', '  podSubnet: 10.96.0.0/16'],
      extra: ['containerd: {version: 1.6.20}'],
    });
    const pos = (line: number, needle: string) => {
      const { col } = at(text, line, needle);
      return `${FILE}:${line}:${col}`;
    };
    expect(problemsOf(text).map(formatProblem)).toEqual([
      `${pos(5, '192.168.1.300')}: "192.168.1.300" is not a valid IPv4 address`,
      `${pos(5, 'colour')}: unknown key "colour" in hosts[0]\n  hint: known keys here: name, address, internalAddress, roles, setHostname, ssh, labels, taints`,
      `${pos(6, 'cp1')}: duplicate host name "cp1" (also hosts[0] at line 5)`,
      `${pos(6, 'master')}: hosts[1].roles[0]: "master" is not one of control-plane, worker`,
      `${pos(8, 'verison')}: unknown key "verison" in kubernetes\n  hint: did you mean "version"?`,
      `${pos(9, '10.96')}: serviceSubnet 10.96.0.0/12 (the default) overlaps podSubnet 10.96.0.0/16\n  hint: choose ranges that do not overlap, e.g. podSubnet 10.244.0.0/16 and serviceSubnet 10.96.0.0/12`,
    ]);
  });

  it('formatProblem prints FILE:LINE:COL: message and an optional hint line', () => {
    expect(formatProblem({ file: 'a.yaml', line: 3, col: 7, message: 'bad' })).toBe('a.yaml:3:7: bad');
    expect(formatProblem({ file: 'a.yaml', line: 3, col: 7, message: 'bad', hint: 'fix it' })).toBe('a.yaml:3:7: bad\n  hint: fix it');
  });
});
