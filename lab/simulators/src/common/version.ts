import fs from 'node:fs';
import path from 'node:path';

/**
 * Versions are injected at package-build time: lab/packaging writes <bundle>.version.json beside
 * the bundle ({"kubernetes": "1.28.15", "criTools": "1.28.0", ...}), so one bundle serves every
 * package version. KINSTALL_SIM_VERSION_FILE overrides the location (tests).
 */
export interface SimulatorVersions { kubernetes: string; criTools?: string }

export function simulatorVersions(): SimulatorVersions {
  // realpath: /usr/bin/<tool> is a symlink to the bundle in /usr/lib/kinstall-simulator/.
  const main = process.argv[1] ? fs.realpathSync(process.argv[1]) : '.';
  const file = process.env.KINSTALL_SIM_VERSION_FILE || path.join(path.dirname(main), `${path.basename(main, '.js')}.version.json`);
  let parsed: Partial<SimulatorVersions>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SimulatorVersions>;
  } catch (e) {
    throw new Error(`kinstall lab simulator: cannot read its version file ${file}: ${(e as Error).message}`);
  }
  if (!parsed.kubernetes || !/^\d+\.\d+\.\d+$/.test(parsed.kubernetes)) throw new Error(`kinstall lab simulator: ${file} has no valid "kubernetes" version`);
  return parsed as SimulatorVersions;
}

export const SIMULATOR_MARK = '(kinstall lab simulator)';
