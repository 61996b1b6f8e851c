import { describe, expect, it } from 'vitest';
import { renderFactsScript, parseFacts } from '../../../src/preflight/facts.js';
import { controlPlane, fixtureFacts, fixtureText, makeInventory, runCheck, worker } from './helpers.js';

/** Preflight for kubernetes.apiEndpoint (issue 14). */
const nodeLocal = (port = 7443) => makeInventory({ kubernetes: { version: '1.28.15', apiEndpoint: { nodeLocal: { port } } } });
const kubeVip = (address = '10.77.0.100', iface = 'eth0') =>
  makeInventory({ kubernetes: { version: '1.28.15', apiEndpoint: { kubeVip: { address, interface: iface, image: 'ghcr.io/kube-vip/kube-vip:v0.8.9' } } } });

function debianWith(lines: string[]) {
  // Extra facts lines go before the end marker, as the script prints them.
  return parseFacts(fixtureText('debian12.txt').replace(/^end=ok$/m, `${lines.join('\n')}\nend=ok`));
}

describe('api-endpoint-port', () => {
  it('skips without nodeLocal, passes when free or haproxy, fails naming another listener', () => {
    const f = fixtureFacts('debian12');
    expect(runCheck('api-endpoint-port', f).status).toBe('skip');
    expect(runCheck('api-endpoint-port', f, controlPlane, nodeLocal())).toMatchObject({ status: 'pass', message: '127.0.0.1:7443 is free' });
    f.listeners.push({ proto: 'tcp', address: '127.0.0.1', port: 7443, process: 'haproxy' });
    expect(runCheck('api-endpoint-port', f, controlPlane, nodeLocal()).status).toBe('pass');
    f.listeners.push({ proto: 'tcp', address: '0.0.0.0', port: 7443, process: 'nginx' });
    const r = runCheck('api-endpoint-port', f, worker, nodeLocal());
    expect(r).toMatchObject({ status: 'fail', message: '127.0.0.1:7443, where the node-local API balancer listens, is taken by nginx on 0.0.0.0' });
    expect(r.fix).toMatch(/nodeLocal\.port/);
    // A listener on another address does not take 127.0.0.1.
    const g = fixtureFacts('debian12');
    g.listeners.push({ proto: 'tcp', address: '10.77.0.11', port: 7443, process: 'nginx' });
    expect(runCheck('api-endpoint-port', g, controlPlane, nodeLocal()).status).toBe('pass');
  });
});

describe('api-endpoint-haproxy', () => {
  it('installed / offered / not offered / no lists / not apt', () => {
    expect(runCheck('api-endpoint-haproxy', debianWith(['haproxy_candidate=installed']), worker, nodeLocal()).status).toBe('pass');
    expect(runCheck('api-endpoint-haproxy', debianWith(['haproxy_candidate=2.6.12-1+deb12u1']), worker, nodeLocal())).toMatchObject({ status: 'pass', message: 'apt would install haproxy 2.6.12-1+deb12u1' });
    const none = debianWith(['haproxy_candidate=(none)', 'apt_lists=yes']);
    expect(runCheck('api-endpoint-haproxy', none, worker, nodeLocal()).status).toBe('fail');
    none.containerd.aptLists = false;
    expect(runCheck('api-endpoint-haproxy', none, worker, nodeLocal()).status).toBe('warn');
    expect(runCheck('api-endpoint-haproxy', fixtureFacts('rocky9'), worker, nodeLocal()).status).toBe('skip');
    expect(runCheck('api-endpoint-haproxy', debianWith(['haproxy_candidate=(none)'])).status).toBe('skip');
  });
});

describe('api-endpoint-vip', () => {
  function vipHost(cidr: string, extra: string[] = []) {
    const f = debianWith(extra);
    f.links = [{ name: 'eth0', mac: '02:00:00:00:00:01', virtual: false }];
    f.addresses = [{ dev: 'eth0', cidr }];
    f.adminConf = false;
    f.kubeletConf = false;
    return f;
  }
  it('passes for a free VIP in the interface subnet; skips workers', () => {
    expect(runCheck('api-endpoint-vip', vipHost('10.77.0.11/16', ['vip_ping=no', 'vip_neigh=']), controlPlane, kubeVip())).toMatchObject({ status: 'pass', message: "10.77.0.100 is in eth0's subnet and free" });
    expect(runCheck('api-endpoint-vip', vipHost('10.77.0.11/16'), worker, kubeVip()).status).toBe('skip');
  });
  it('fails outside the subnet, on a missing interface, when it answers or is assigned before the cluster', () => {
    expect(runCheck('api-endpoint-vip', vipHost('192.168.1.5/24'), controlPlane, kubeVip()).message).toMatch(/outside every subnet of eth0/);
    expect(runCheck('api-endpoint-vip', vipHost('10.77.0.11/16'), controlPlane, kubeVip('10.77.0.100', 'bond0')).message).toMatch(/interface bond0 .* does not exist here \(has: eth0\)/);
    const answers = vipHost('10.77.0.11/16', ['vip_ping=no', 'vip_neigh=52:54:00:aa:bb:cc']);
    expect(runCheck('api-endpoint-vip', answers, controlPlane, kubeVip())).toMatchObject({ status: 'fail', message: expect.stringContaining('MAC 52:54:00:aa:bb:cc') });
    const assigned = vipHost('10.77.0.11/16');
    assigned.addresses.push({ dev: 'eth0', cidr: '10.77.0.100/32' });
    expect(runCheck('api-endpoint-vip', assigned, controlPlane, kubeVip()).status).toBe('fail');
    // Once this host is a node, the VIP held here or answering is kube-vip's own.
    assigned.adminConf = true;
    expect(runCheck('api-endpoint-vip', assigned, controlPlane, kubeVip()).status).toBe('pass');
  });
});

describe('facts script', () => {
  it('probes haproxy only with nodeLocal and the VIP (quoted) only with kubeVip', () => {
    expect(renderFactsScript(makeInventory())).not.toMatch(/haproxy|vip=/);
    expect(renderFactsScript(nodeLocal())).toMatch(/kinstall_apt_candidate haproxy/);
    const vip = renderFactsScript(kubeVip());
    expect(vip).toContain("vip=10.77.0.100\n");
    expect(vip).toContain('ping -c 1 -W 1 "$vip"');
    const f = parseFacts(fixtureText('debian12.txt').replace(/^end=ok$/m, 'vip_ping=yes\nvip_neigh=\nend=ok'));
    expect(f.endpoint).toEqual({ haproxyCandidate: undefined, vipPing: true, vipNeighbour: undefined });
  });
});
