import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

/**
 * The CLI as installed (tsc output run by plain node, not tsx, whose loader would add CPU and
 * memory of its own), built into bench/out so the shared dist/ is left alone. Its layout mirrors
 * the package (bin/, dist/, templates/) because src/paths.ts finds templates from dist/..
 * BENCH_KINSTALL_BIN=path uses an existing entry point instead.
 */
export function buildKinstall(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BENCH_KINSTALL_BIN) return path.resolve(env.BENCH_KINSTALL_BIN);
  const root = path.join(projectRoot, 'bench', 'out', 'kinstall');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  const tsc = spawnSync(process.execPath, [path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(projectRoot, 'tsconfig.build.json'), '--outDir', path.join(root, 'dist'), '--sourceMap', 'false'], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  // tsc still emits when a file elsewhere has type errors; the benchmark only needs the emitted JS.
  if (!fs.existsSync(entry)) throw new Error(`building kinstall failed:\n${tsc.stdout}${tsc.stderr}`);
  if (tsc.status !== 0) process.stderr.write(`warning: tsc reported errors (JS was emitted anyway):\n${tsc.stdout.split('\n').slice(0, 10).join('\n')}\n`);
  fs.symlinkSync(path.join(projectRoot, 'templates'), path.join(root, 'templates'));
  fs.copyFileSync(path.join(projectRoot, 'bin', 'kinstall.js'), path.join(root, 'bin', 'kinstall.js'));
  return path.join(root, 'bin', 'kinstall.js');
}
