import type { ResolvedHost } from '../../src/inventory/types.js';

/**
 * The raw-OpenSSH floor: one `ssh` per host, 20 at a time through xargs, each running the very
 * script file kinstall renders (on stdin, to `sh -s`) and saving its output per host so the
 * benchmark can check that the work was actually done.
 */
export function floorArgv(opts: { parallel: number; scriptFile: string; outDir: string; knownHostsFile: string }): string[] {
  const ssh = [
    'ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10',
    `-o UserKnownHostsFile="$KH"`,
    '-i "$4" -p "$3" -l "$5" "$2" sh -s < "$SCRIPT" > "$OUT/$1.out"',
  ].join(' ');
  return [
    'env',
    `KH=${opts.knownHostsFile}`,
    `SCRIPT=${opts.scriptFile}`,
    `OUT=${opts.outDir}`,
    'xargs', '-P', String(opts.parallel), '-n', '5',
    'sh', '-c', `exec ${ssh}`, 'floor-ssh',
  ];
}

/** xargs input: "name address port key user" per host (names and paths must have no blanks). */
export function floorInput(hosts: ResolvedHost[]): string {
  return hosts
    .map((h) => {
      const fields = [h.name, h.address, String(h.ssh.port), h.ssh.identityFile ?? '', h.ssh.user];
      if (fields.some((f) => f === '' || /\s|['"\\]/.test(f))) throw new Error(`host ${h.name}: name, address, identityFile and user must be non-empty without blanks or quotes for the xargs floor`);
      return fields.join(' ');
    })
    .join('\n')
    .concat('\n');
}
