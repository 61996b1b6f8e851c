// Which Kubernetes version a simulator is. One bundle serves every package version: the package
// builder (lab/packaging/build-debs.ts) writes <tool>.version.json beside the bundle in
// /usr/lib/kinstall-simulator/, and /usr/bin/<tool> is a symlink to the bundle.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SimVersion {
  /** "v1.28.15" */
  gitVersion: string;
  major: string;
  minor: string;
  /** Debian package version, e.g. "1.28.15-1.1" (empty when run from a dev build). */
  packageVersion: string;
}

/** Marker every simulator prints in its version output. */
export const SIMULATOR_MARK = '(kinstall lab simulator)';

export function parseGitVersion(gitVersion: string): SimVersion {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(gitVersion);
  if (!m) throw new Error(`invalid simulator version ${JSON.stringify(gitVersion)}: want vMAJOR.MINOR.PATCH`);
  return { gitVersion, major: m[1]!, minor: m[2]!, packageVersion: '' };
}

/**
 * The version of `tool`: KINSTALL_SIM_VERSION (tests, dev runs) wins, else the version file the
 * package installed beside the running bundle. No silent default: a simulator that does not
 * know its version must not pretend to be one.
 */
export function readSimVersion(tool: string, env: NodeJS.ProcessEnv = process.env, mainPath = process.argv[1]): SimVersion {
  const fromEnv = env.KINSTALL_SIM_VERSION;
  if (fromEnv) return parseGitVersion(fromEnv);
  if (!mainPath) throw new Error(`${tool}: cannot locate the running bundle to read its version`);
  const file = join(dirname(realpathSync(mainPath)), `${tool}.version.json`);
  if (!existsSync(file)) {
    throw new Error(`${tool}: version file ${file} is missing (the package build writes it; set KINSTALL_SIM_VERSION for dev runs)`);
  }
  const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<SimVersion>;
  const v = parseGitVersion(String(data.gitVersion));
  return { ...v, packageVersion: String(data.packageVersion ?? '') };
}
