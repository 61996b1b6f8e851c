import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectRunStats, trackRemote, writeRunStatsIfRequested } from '../../src/stats.js';

const remote = (name: string, sessions: number, commands: number) => ({ name, address: `addr-${name}`, stats: { sessions, commands } });

describe('run stats', () => {
  it('sums per host and counts each connection', () => {
    expect(collectRunStats([remote('a', 1, 1), remote('b', 2, 3), remote('a', 1, 2)])).toEqual([
      { host: 'a', address: 'addr-a', connections: 2, sessions: 2, commands: 3 },
      { host: 'b', address: 'addr-b', connections: 1, sessions: 2, commands: 3 },
    ]);
  });

  it('writes the tracked counters, read at exit, only when KINSTALL_STATS_FILE is set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-test-'));
    const file = path.join(dir, 'stats.json');
    const live = remote('tracked-host', 0, 0);
    trackRemote(live);
    live.stats.sessions = 1; // counted after tracking: the file shows the values at exit
    live.stats.commands = 1;
    writeRunStatsIfRequested({});
    expect(fs.existsSync(file)).toBe(false);
    writeRunStatsIfRequested({ KINSTALL_STATS_FILE: file });
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(doc.hosts).toContainEqual({ host: 'tracked-host', address: 'addr-tracked-host', connections: 1, sessions: 1, commands: 1 });
    fs.rmSync(dir, { recursive: true });
  });
});
