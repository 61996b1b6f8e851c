import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The lab project's tests need the lab: bring it up (idempotent: an already running lab is
 * reused) and, when this run started it, tear it down afterwards so `npm test` leaves nothing
 * behind. LAB_KEEP=1 keeps it up for debugging.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const labDir = process.env.LAB_DIR ?? path.join(root, '.lab');

function script(name: string): void {
  const r = spawnSync(path.join(root, 'lab', `${name}.sh`), [], {
    env: { ...process.env, LAB_DIR: labDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`lab/${name}.sh exited ${r.status}`);
}

export default function setup(): () => void {
  const wasUp = fs.existsSync(path.join(labDir, 'lab.json'));
  script('up');
  // A test that takes the lab down and fails before restoring it must not cascade into every
  // later file failing with "the lab is not up": later files bring it back themselves.
  process.env.LAB_AUTO_UP = '1';
  return () => {
    if (!wasUp && process.env.LAB_KEEP !== '1') script('down');
  };
}
