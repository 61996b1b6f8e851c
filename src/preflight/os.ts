import type { HostFacts } from './types.js';

export type OsFamily = 'debian' | 'rhel' | 'unknown';

/** Package family from os-release: ID or ID_LIKE naming debian or rhel/fedora. */
export function osFamily(facts: HostFacts): OsFamily {
  const ids = [facts.os.id, ...facts.os.idLike];
  if (ids.some((i) => i === 'debian' || i === 'ubuntu')) return 'debian';
  if (ids.some((i) => i === 'rhel' || i === 'fedora' || i === 'centos')) return 'rhel';
  return 'unknown';
}

/** "apt-get install -y a b" or "dnf install -y a b" for the host's family. */
export function installCommand(facts: HostFacts, debPackages: string[], rpmPackages: string[]): string {
  return osFamily(facts) === 'rhel' ? `dnf install -y ${rpmPackages.join(' ')}` : `apt-get install -y ${debPackages.join(' ')}`;
}

export function osName(facts: HostFacts): string {
  return facts.os.prettyName || `${facts.os.id} ${facts.os.versionId}`.trim() || 'unknown OS';
}
