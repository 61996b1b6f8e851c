// Builds the lab's .deb packages from the simulator bundles: one staging tree per package, the
// version the package reports injected as <bundle>.version.json, then `dpkg-deb --build`.
//
//   npx tsx lab/packaging/build-debs.ts --bundles lab/simulators/dist --out OUTDIR/core/stable \
//     --real-kubectl "$(lab/packaging/real-kubectl.sh --print-path)"
//
// writes OUTDIR/core/stable/<minor>/deb/<name>_<version>_amd64.deb for every REPO_MINORS entry.
// --real-kubectl is the verified Debian kubectl the realKubectl packages carry (catalogue.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REPO_MINORS, controlText, debFileName, packagesFor, versionFilePath, versionJson,
  type BundleName, type DebSpec,
} from './catalogue.js';

const FILES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'files');

export function bundlePath(bundlesDir: string, bundle: BundleName): string {
  return join(bundlesDir, `${bundle}.js`);
}

/** Bundles a set of packages needs that are not built yet (reported all at once, not one by one). */
export function missingBundles(specs: DebSpec[], bundlesDir: string): BundleName[] {
  const needed = new Set<BundleName>();
  for (const s of specs) for (const f of s.files) if (f.source.kind === 'bundle') needed.add(f.source.bundle);
  return [...needed].filter((b) => !existsSync(bundlePath(bundlesDir, b))).sort();
}

/** Inputs that are not simulator bundles. */
export interface ExternalBinaries {
  realKubectl?: string;
}

function stage(spec: DebSpec, bundlesDir: string, root: string, external: ExternalBinaries): number {
  let bytes = 0;
  const place = (path: string): string => {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    return target;
  };
  for (const f of spec.files) {
    const target = place(f.path);
    switch (f.source.kind) {
      case 'bundle': {
        copyFileSync(bundlePath(bundlesDir, f.source.bundle), target);
        const versionTarget = place(versionFilePath(f.source.bundle));
        writeFileSync(versionTarget, versionJson(spec));
        chmodSync(versionTarget, 0o644);
        bytes += statSync(versionTarget).size;
        break;
      }
      case 'file':
        copyFileSync(join(FILES_DIR, f.source.name), target);
        break;
      case 'text':
        writeFileSync(target, f.source.text);
        break;
      case 'real-kubectl':
        if (!external.realKubectl) throw new Error(`${spec.name} ${spec.version} carries the real kubectl: pass --real-kubectl (lab/packaging/real-kubectl.sh --print-path)`);
        copyFileSync(external.realKubectl, target);
        break;
      case 'symlink':
        symlinkSync(f.source.target, target);
        continue;
      case 'dir':
        mkdirSync(target, { recursive: true });
        chmodSync(target, f.mode);
        continue;
    }
    chmodSync(target, f.mode);
    bytes += statSync(target).size;
  }
  return bytes;
}

/** Builds one .deb into outDir and returns its path. */
export function buildDeb(spec: DebSpec, bundlesDir: string, outDir: string, external: ExternalBinaries = {}): string {
  const root = mkdtempSync(join(tmpdir(), `kinstall-deb-${spec.name}-`));
  try {
    chmodSync(root, 0o755); // becomes "./" in the package
    const bytes = stage(spec, bundlesDir, root, external);
    const debian = join(root, 'DEBIAN');
    mkdirSync(debian, { mode: 0o755 });
    writeFileSync(join(debian, 'control'), controlText(spec, Math.max(1, Math.ceil(bytes / 1024))));
    for (const [kind, name] of Object.entries(spec.scripts)) {
      const target = join(debian, kind);
      copyFileSync(join(FILES_DIR, name), target);
      chmodSync(target, 0o755);
    }
    mkdirSync(outDir, { recursive: true });
    const deb = join(outDir, debFileName(spec));
    // gzip keeps the build fast; apt and dpkg read it like the upstream xz packages.
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
    return deb;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function buildAll(bundlesDir: string, stableDir: string, external: ExternalBinaries = {}): string[] {
  const all = REPO_MINORS.flatMap((m) => packagesFor(m).map((spec) => ({ minor: m.minor, spec })));
  const missing = missingBundles(all.map((a) => a.spec), bundlesDir);
  if (missing.length) {
    throw new Error(`simulator bundles missing in ${bundlesDir}: ${missing.join(', ')} (run: node lab/simulators/build.mjs)`);
  }
  const needsReal = all.filter((a) => a.spec.files.some((f) => f.source.kind === 'real-kubectl'));
  if (needsReal.length && !(external.realKubectl && existsSync(external.realKubectl))) {
    throw new Error(`${needsReal.map((a) => `${a.spec.name} ${a.spec.version}`).join(', ')} carry the real kubectl: pass --real-kubectl PATH (lab/packaging/real-kubectl.sh --print-path)`);
  }
  return all.map(({ minor, spec }) => buildDeb(spec, bundlesDir, join(stableDir, minor, 'deb'), external));
}

function parseArgs(argv: string[]): { bundles: string; out: string; realKubectl?: string } {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`usage: build-debs.ts --bundles DIR --out DIR (missing ${flag})`);
    return v;
  };
  const real = argv.indexOf('--real-kubectl');
  return { bundles: get('--bundles'), out: get('--out'), ...(real >= 0 ? { realKubectl: get('--real-kubectl') } : {}) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { bundles, out, realKubectl } = parseArgs(process.argv.slice(2));
    for (const deb of buildAll(bundles, out, realKubectl ? { realKubectl } : {})) console.log(deb);
  } catch (err) {
    console.error(`build-debs: ${(err as Error).message}`);
    process.exit(1);
  }
}
