import fs from 'node:fs';
import path from 'node:path';

/**
 * Server-side count of SSH logins: the many-hosts lab runs each sshd with `-E <run>/<host>.log`,
 * where sshd (LogLevel INFO) writes one "Accepted publickey for ..." line per authenticated
 * connection. Counting new lines across a run shows the connections as the hosts saw them.
 */
export function acceptedLogins(logText: string): number {
  // Each line names the client's source port, so a login logged twice (sshd writing both to -E and
  // to a stderr redirected into the same file, as the many-hosts lab does) is counted once.
  return new Set(logText.split('\n').filter((l) => /\bAccepted (publickey|password|keyboard-interactive\S*) for /.test(l))).size;
}

export type LoginSnapshot = Map<string, number>;

/** Per-host login counts from `<runDir>/<host>.log`; hosts without a log are left out. */
export function snapshotLogins(runDir: string, hostNames: string[]): LoginSnapshot {
  const snap: LoginSnapshot = new Map();
  for (const name of hostNames) {
    const file = path.join(runDir, `${name}.log`);
    if (fs.existsSync(file)) snap.set(name, acceptedLogins(fs.readFileSync(file, 'utf8')));
  }
  return snap;
}

/** Logins per host between two snapshots (only hosts present in both). */
export function loginsBetween(before: LoginSnapshot, after: LoginSnapshot): number[] {
  return [...after].filter(([name]) => before.has(name)).map(([name, n]) => n - before.get(name)!);
}
