import { describe, expect, it } from 'vitest';
import { loadInventoryText } from '../../../src/inventory/load.js';
import { imageReference, interfaceName, unicastIPv4 } from '../../../src/inventory/grammar.js';
import { at, FILE, inventoryText, problemsOf } from './helpers.js';

/** kubernetes.apiEndpoint (issue 14): the endpoint kinstall builds when there is no load balancer. */
const twoCps = ['  - {name: cp1, address: 192.168.1.10, roles: [control-plane]}', '  - {name: cp2, address: 192.168.1.11, roles: [control-plane]}'];
const load = (text: string) => loadInventoryText(text, FILE, { env: {}, homeDir: '/home/op' });

describe('kubernetes.apiEndpoint', () => {
  it('nodeLocal: {} satisfies several control planes and defaults the port to 7443', () => {
    const result = load(inventoryText({ hosts: twoCps, kubernetes: ['  version: 1.28.15', '  apiEndpoint: {nodeLocal: {}}'] }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.inventory.kubernetes.apiEndpoint).toEqual({ nodeLocal: { port: 7443 } });
  });

  it('kubeVip with address, interface and image loads', () => {
    const text = inventoryText({ hosts: twoCps, kubernetes: ['  version: 1.29.10', '  apiEndpoint:', '    kubeVip: {address: 192.168.1.100, interface: eth0, image: "ghcr.io/kube-vip/kube-vip:v0.8.9"}'] });
    const result = load(text);
    expect(result.ok).toBe(true);
  });

  it('a port Kubernetes holds is refused at the port, with a hint', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  apiEndpoint: {nodeLocal: {port: 6443}}'] });
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ ...at(text, 9, '6443'), message: expect.stringMatching(/^kubernetes\.apiEndpoint\.nodeLocal\.port: port 6443 is used by Kubernetes itself/) });
    expect(problem!.hint).toMatch(/7443/);
  });

  it('both or neither choice is refused at apiEndpoint', () => {
    const both = inventoryText({ kubernetes: ['  version: 1.28.15', '  apiEndpoint:', '    nodeLocal: {}', '    kubeVip: {address: 192.168.1.100, interface: eth0, image: "ghcr.io/kube-vip/kube-vip:v0.8.9"}'] });
    expect(problemsOf(both)[0]).toMatchObject({ line: 10, message: 'kubernetes.apiEndpoint: apiEndpoint has both nodeLocal and kubeVip' });
    const neither = inventoryText({ kubernetes: ['  version: 1.28.15', '  apiEndpoint: {}'] });
    expect(problemsOf(neither)[0]).toMatchObject({ line: 9, message: 'kubernetes.apiEndpoint: apiEndpoint names no endpoint' });
  });

  it('apiEndpoint with controlPlaneEndpoint is refused at apiEndpoint, naming the other line', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  controlPlaneEndpoint: lb.example.com:6443', '  apiEndpoint: {nodeLocal: {}}'] });
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ line: 10, message: 'kubernetes.apiEndpoint and kubernetes.controlPlaneEndpoint (line 9) both name the API endpoint' }),
    ]);
  });

  it('a VIP that is a host address is refused at the VIP', () => {
    const text = inventoryText({ hosts: twoCps, kubernetes: ['  version: 1.28.15', '  apiEndpoint:', '    kubeVip: {address: 192.168.1.11, interface: eth0, image: "ghcr.io/kube-vip/kube-vip:v0.8.9"}'] });
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ ...at(text, 10, '192.168.1.11'), message: 'the virtual IP 192.168.1.11 is the address of host cp2 (line 6)' }),
    ]);
  });

  it('hostile kube-vip values are refused by their grammar at their line', () => {
    const text = inventoryText({ kubernetes: ['  version: 1.28.15', '  apiEndpoint:', '    kubeVip:', '      address: "10.0.0.5; reboot"', '      interface: "eth0 $(id)"', '      image: "ghcr.io/kube-vip/kube-vip:v1\\nx"'] });
    const problems = problemsOf(text);
    expect(problems.map((p) => p.line)).toEqual([11, 12, 13]);
    expect(problems[0]!.message).toMatch(/address: .* is not an IPv4 address/);
    expect(problems[1]!.message).toMatch(/interface: .* is not a network interface name/);
    expect(problems[2]!.message).toMatch(/image: .* is not a valid tag/);
  });
});

describe('grammars', () => {
  it('unicastIPv4', () => {
    expect(unicastIPv4('192.168.1.100')).toBeUndefined();
    for (const bad of ['127.0.0.5', '0.0.0.0', '224.0.0.1', '255.255.255.255', '169.254.1.1', 'lb.example.com', '10.0.0.256']) expect(unicastIPv4(bad), bad).toBeDefined();
    expect(unicastIPv4('fe80::1')!.message).toMatch(/IPv6/);
  });
  it('interfaceName', () => {
    for (const ok of ['eth0', 'enp1s0', 'bond0.100', 'host0', 'vlan@eth0']) expect(interfaceName(ok), ok).toBeUndefined();
    for (const bad of ['', '.', '..', 'a/b', 'eth 0', 'eth0:1', 'x'.repeat(16), "e'"]) expect(interfaceName(bad), bad).toBeDefined();
  });
  it('imageReference', () => {
    for (const ok of ['ghcr.io/kube-vip/kube-vip:v0.8.9', 'localhost:5000/kube-vip:v1', `ghcr.io/kube-vip/kube-vip@sha256:${'a'.repeat(64)}`, `r.example.com/k:v1@sha256:${'b'.repeat(64)}`]) {
      expect(imageReference(ok), ok).toBeUndefined();
    }
    expect(imageReference('ghcr.io/kube-vip/kube-vip')!.message).toMatch(/no tag or digest/);
    expect(imageReference('kube-vip:v1')!.message).toMatch(/registry host/);
    expect(imageReference('ghcr.io/Kube-Vip/kube-vip:v1')).toBeDefined();
    expect(imageReference('ghcr.io/kube-vip/kube-vip@sha256:xyz')).toBeDefined();
  });
});
