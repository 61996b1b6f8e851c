import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, labScript, rootSh, ssh, type LabDescription, type LabHost } from './lab-support.js';

/**
 * Every fault is set on one host, must be observable there and on no other host, and after clear
 * the host must look exactly as before (same probe output).
 */
interface FaultProbe {
  /** Shell run as root on every host; its output is compared before/after. */
  probe: string;
  /** Does this probe output show the fault? */
  shows(output: string, l: LabDescription): boolean;
}

const probes: Record<string, FaultProbe> = {
  'swap-on': {
    probe: 'tail -n +2 /proc/swaps; grep -c " swap " /etc/fstab || true',
    shows: (o) => /^\/swapfile\s+file/m.test(o) && /\n1$/.test(o),
  },
  'ip-forward-off': {
    probe: 'cat /proc/sys/net/ipv4/ip_forward',
    shows: (o) => o === '0',
  },
  'port-6443': {
    probe: "ss -ltnH 'sport = :6443' | wc -l",
    shows: (o) => o !== '0',
  },
  'firewall-10250': {
    probe: 'iptables -S INPUT',
    shows: (o) => /--dport 10250 -j DROP/.test(o),
  },
  'dpkg-lock': {
    probe: 'apt-get install -y --no-download nonexistent-package 2>&1 | head -1 || true',
    shows: (o) => /Could not get lock|Unable to acquire the dpkg frontend lock/.test(o),
  },
  'dup-machine-id': {
    probe: 'cat /etc/machine-id',
    // Duplicated: the id belongs to a different lab host than the one it is read on.
    shows: () => false,
  },
  'dup-mac': {
    probe: 'for i in /sys/class/net/*; do [ "${i##*/}" = lo ] || echo "${i##*/} $(cat $i/address)"; done | sort',
    shows: (o) => /^eth1 /m.test(o),
  },
  'old-containerd': {
    probe: "dpkg-query -W -f '${Package}=${Version}\\n' | sort",
    shows: (o) => /^containerd=1\.6\.20/m.test(o),
  },
  'kubelet-conf': {
    probe: 'ls /etc/kubernetes/kubelet.conf 2>/dev/null || echo none',
    shows: (o) => o === '/etc/kubernetes/kubelet.conf',
  },
};

let l: LabDescription;
let target: LabHost;
let others: LabHost[];
beforeAll(() => {
  l = lab();
  labScript('fault', ['--clear-all']);
  target = l.hosts[1]!;
  others = l.hosts.filter((h) => h !== target);
});
afterAll(() => {
  if (l) labScript('fault', ['--clear-all']);
});

function probeAll(probe: string): Map<string, string> {
  return new Map(l.hosts.map((h) => [h.name, rootSh(l, h, probe)]));
}

describe('lab faults', () => {
  it('are listed with a description', () => {
    const list = labScript('fault', ['--list']).stdout;
    for (const name of [...Object.keys(probes), 'changed-host-key']) expect(list).toMatch(new RegExp(`^${name} +\\S`, 'm'));
  });

  for (const [name, p] of Object.entries(probes)) {
    it(`${name}: shows on its host only, and clears back to the original state`, () => {
      const before = probeAll(p.probe);
      for (const out of before.values()) expect(p.shows(out, l)).toBe(false);

      labScript('fault', [target.name, name]);
      const during = probeAll(p.probe);
      if (name === 'dup-machine-id') {
        const ids = l.hosts.map((h) => during.get(h.name));
        expect(new Set(ids).size).toBe(l.hosts.length - 1);
        expect(during.get(target.name)).not.toBe(before.get(target.name));
      } else if (name === 'dup-mac') {
        const mac = /^eth1 (\S+)$/m.exec(during.get(target.name)!)?.[1];
        expect(others.map((h) => h.mac)).toContain(mac);
      }
      if (name !== 'dup-machine-id') expect(p.shows(during.get(target.name)!, l)).toBe(true);
      for (const h of others) expect(during.get(h.name)).toBe(before.get(h.name));

      labScript('fault', [target.name, name, '--clear']);
      expect(probeAll(p.probe)).toEqual(before);
    });
  }

  it('changed-host-key: ssh with the lab known_hosts is refused, and works again after clear', () => {
    expect(ssh(l, 'root', target, 'true').code).toBe(0);
    labScript('fault', [target.name, 'changed-host-key']);
    const r = ssh(l, 'root', target, 'true');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    for (const h of others) expect(ssh(l, 'root', h, 'true').code).toBe(0);
    labScript('fault', [target.name, 'changed-host-key', '--clear']);
    expect(ssh(l, 'root', target, 'true').code).toBe(0);
  });

  it('rejects an unknown fault and an unknown host', () => {
    expect(() => labScript('fault', [target.name, 'no-such-fault'])).toThrow(/unknown fault/);
    expect(() => labScript('fault', ['node99', 'swap-on'])).toThrow(/not running/);
  });
});
