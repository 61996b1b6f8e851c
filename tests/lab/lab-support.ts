import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Helpers for the lab's own tests: the lab description, real OpenSSH, the lab scripts. */

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const labDir = process.env.LAB_DIR ?? path.join(repoRoot, '.lab');

export interface LabHost {
  name: string;
  address: string;
  mac: string;
  machineId: string;
  hostDir: string;
  /** Debian suite (lab/hosts/releases.tsv), e.g. "bookworm". */
  os: string;
  /** Debian major version of that suite, e.g. "12". */
  osVersion: string;
  /** Host profile (lab/hosts/profiles.tsv), e.g. "minimal". */
  profile: string;
  role: 'control-plane' | 'worker';
}

export interface LabDescription {
  labDir: string;
  hosts: LabHost[];
  identityFile: string;
  knownHostsFile: string;
  opsPasswordFile: string;
  inventory: string;
  gateway: string;
  aptProxy: string;
  /** true when the inventory uses the servers directly (LAB_DIRECT=1), false through the fronts. */
  direct: boolean;
  /** What the inventory uses: the front's URL unless `direct`. */
  packageRepository: string;
  imageRepository: string;
  directPackageRepository: string;
  directImageRepository: string;
  repoKey: string;
  /** The registry itself (host:port), behind the registry front. */
  registry: string;
  fronts: {
    packages: { url: string; status: 302; target: string };
    registry: { host: string; status: 307; target: string };
    /** One line per request: "FRONT CLIENT METHOD PATH STATUS LOCATION". */
    log: string;
    /** The lab DNS's address; the hosts' only resolver. */
    dns: string;
    /** The lab CA the hosts trust. */
    caCert: string;
    /** Real names (pkgs.k8s.io, registry.k8s.io, registry-1.docker.io, the CDNs) → lab address. */
    names: Record<string, string>;
  };
  /** The inventory is the README's default one (no repositories, no mirrors): LAB_REAL_NAMES=1. */
  realNames: boolean;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Run a lab script (lab/<name>.sh) against this LAB_DIR; throws with its output on failure. */
export function labScript(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Result {
  const r = run(path.join(repoRoot, 'lab', `${name}.sh`), args, { env: { LAB_DIR: labDir, ...env } });
  if (r.code !== 0) throw new Error(`lab/${name}.sh ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r;
}

/** The running lab; brings it up first when LAB_AUTO_UP=1, otherwise says how to. */
export function lab(): LabDescription {
  const file = path.join(labDir, 'lab.json');
  if (!fs.existsSync(file)) {
    if (process.env.LAB_AUTO_UP !== '1') {
      throw new Error(`the lab is not up (${file} missing): run \`npm run lab:up\` or set LAB_AUTO_UP=1`);
    }
    labScript('up');
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LabDescription;
}

/**
 * OpenSSH with host key verification against the lab's known_hosts (StrictHostKeyChecking=yes),
 * key login only.
 */
export function ssh(
  l: LabDescription,
  user: string,
  host: LabHost,
  script: string,
  opts: { input?: string; knownHostsFile?: string } = {},
): Result {
  return run(
    'ssh',
    [
      '-i', l.identityFile,
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${opts.knownHostsFile ?? l.knownHostsFile}`,
      '-o', 'ConnectTimeout=5',
      `${user}@${host.address}`,
      script,
    ],
    { input: opts.input },
  );
}

/** Like ssh() as root, but throws unless the command succeeds; returns its trimmed stdout. */
export function rootSh(l: LabDescription, host: LabHost, script: string): string {
  const r = ssh(l, 'root', host, script);
  if (r.code !== 0) throw new Error(`${host.name}: \`${script}\` exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/** "process PID: CMDLINE" for every other process whose command line satisfies `matches`. */
export function processesWhere(matches: (cmdline: string) => boolean): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // exited while we looked
    }
    if (matches(cmdline) && Number(pid) !== process.pid) found.push(`process ${pid}: ${cmdline}`);
  }
  return found;
}

/** Mount points below `dir` (a path ending in '/'), from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mountPoint): mountPoint is string => mountPoint?.startsWith(dir) === true);
}

/** Rows of a lab table (lab/hosts/*.tsv): whitespace-separated fields, comments and blanks dropped. */
export function labTable(name: string): string[][] {
  return fs.readFileSync(path.join(repoRoot, 'lab', 'hosts', name), 'utf8').split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.trim().split(/\s+/));
}

/** Lines of the fronts' request log written since `fromByte` (see frontLogSize). */
export function frontLogSince(l: LabDescription, fromByte: number): string[] {
  return fs.readFileSync(l.fronts.log).subarray(fromByte).toString('utf8').split('\n').filter(Boolean);
}

export function frontLogSize(l: LabDescription): number {
  return fs.existsSync(l.fronts.log) ? fs.statSync(l.fronts.log).size : 0;
}
