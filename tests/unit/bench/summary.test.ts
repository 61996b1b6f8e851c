import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ansibleInventory, countAnsibleSuccesses, sharedKnownHosts } from '../../../bench/lib/ansible.js';
import { parseTimeOutput } from '../../../bench/lib/measure.js';
import { markdownTable, median, parseStatsFile, roundTripsPerHost, summarizeStats } from '../../../bench/lib/summary.js';
import { host } from './hosts.js';


describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('parseTimeOutput', () => {
  it('reads the last line even after GNU time reports a non-zero exit', () => {
    expect(parseTimeOutput('Command exited with non-zero status 1\n1.02 0.30 0.05 84012\n')).toEqual({ elapsedS: 1.02, userS: 0.3, sysS: 0.05, maxRssKb: 84012 });
  });
  it('refuses anything else', () => {
    expect(() => parseTimeOutput('Command terminated by signal 9\n')).toThrow(/unexpected/);
  });
});

describe('kinstall stats summary', () => {
  const stats = parseStatsFile(
    JSON.stringify({
      hosts: [
        { host: 'h1', address: '10.0.0.1', connections: 1, sessions: 1, commands: 1 },
        { host: 'h2', address: '10.0.0.2', connections: 1, sessions: 3, commands: 2 },
      ],
    }),
  );
  it('keeps the worst host and the mean', () => {
    expect(summarizeStats(stats)).toEqual({ hosts: 2, maxConnections: 1, maxSessions: 3, maxCommands: 2, meanSessions: 2, meanCommands: 1.5 });
  });
  it('counts a round trip for the connection and one per session', () => {
    expect(roundTripsPerHost(summarizeStats(stats))).toBe(4);
    expect(roundTripsPerHost(summarizeStats([stats[0]!]))).toBe(2);
  });
  it('rejects a file without hosts', () => {
    expect(() => parseStatsFile('{}')).toThrow(/hosts/);
  });
});

describe('markdownTable', () => {
  it('puts the separator under the header', () => {
    expect(markdownTable([['a', 'b'], ['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
});

describe('Ansible inventory', () => {
  it('has the same addresses, ports, user and key as the kinstall inventory', () => {
    const doc = parse(ansibleInventory([host('m1', '10.1.0.1'), host('m2', '10.1.0.2', { port: 2222, user: 'deploy' })]));
    expect(doc.all.hosts).toEqual({
      m1: { ansible_host: '10.1.0.1', ansible_port: 22, ansible_user: 'root', ansible_ssh_private_key_file: '/lab/id_ed25519' },
      m2: { ansible_host: '10.1.0.2', ansible_port: 2222, ansible_user: 'deploy', ansible_ssh_private_key_file: '/lab/id_ed25519' },
    });
  });
  it('needs key authentication and one known_hosts file', () => {
    expect(() => ansibleInventory([host('m1', '10.1.0.1', { identityFile: undefined })])).toThrow(/identityFile/);
    expect(sharedKnownHosts([host('a', '1.1.1.1'), host('b', '1.1.1.2')])).toBe('/lab/many/known_hosts');
    expect(() => sharedKnownHosts([host('a', '1.1.1.1'), host('b', '1.1.1.2', { knownHostsFile: '/other' })])).toThrow(/one known_hosts/);
  });
  it('counts only hosts reported as SUCCESS', () => {
    const out = ['m1 | SUCCESS => {"ansible_facts": {}}', 'm2 | FAILED! => {"msg": "x"}', 'm3 | UNREACHABLE! => {}', 'm4 | SUCCESS => {}'].join('\n');
    expect(countAnsibleSuccesses(out)).toBe(2);
  });
});
