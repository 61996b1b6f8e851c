import { sha256For, type Inventory } from '../inventory/schema.js';
import { containerdConfigPath, renderAllHostsToml, renderContainerdConfig, type RenderedFile } from '../kube/index.js';
import { render } from '../render.js';
import { normalizePackageVersion } from '../versions/index.js';
import { execOrFail, kv, probeKv, sha256 } from './remote.js';
import type { Step, StepContext } from './types.js';

const dockerRepo = 'https://download.docker.com/linux/centos/docker-ce.repo';
const binaryUnitPath = '/etc/systemd/system/containerd.service';

/** Debian calls it containerd; Docker's RHEL repository containerd.io. */
export function containerdPackage(pkg: string): string {
  return pkg === 'apt' ? 'containerd' : 'containerd.io';
}

/** A version with a Debian/RPM revision is exact; "1.6.20" means "the package of upstream 1.6.20". */
export function isExactPackageVersion(version: string): boolean {
  return /[-~:]/.test(version);
}

/** Does an installed package/binary version satisfy the inventory's? */
export function containerdVersionMatches(installed: string, wanted: string): boolean {
  if (isExactPackageVersion(wanted)) return installed.replace(/^\d+:/, '') === wanted.replace(/^\d+:/, '');
  const have = normalizePackageVersion(installed);
  return have !== null && have === normalizePackageVersion(wanted);
}

/** ERE for apt-cache madison output: the upstream version with any epoch, repack or revision. */
export function aptVersionPattern(upstream: string): string {
  return `^([0-9]+:)?${upstream.replace(/\./g, '\\.')}([~+-]|$)`;
}

/** The exact apt version for an upstream version among madison's candidates (newest first). */
export function resolveAptVersion(candidates: string[], upstream: string): string | undefined {
  const re = new RegExp(aptVersionPattern(upstream));
  return candidates.find((c) => re.test(c));
}

/** URL template for source: binary: {version} and {arch} (Go names: amd64, arm64). */
export function binaryUrl(template: string, version: string, arch = goArch(process.arch)): string {
  return template.replaceAll('{version}', version.replace(/^v/, '')).replaceAll('{arch}', arch);
}

function goArch(nodeArch: string): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch;
}

export interface ContainerdDesired {
  source: 'package' | 'binary';
  version?: string;
  binarySha256?: string;
  files: { path: string; sha: string }[];
}

export interface ContainerdActions {
  install: boolean;
  /** Package already right, only the hold is missing. */
  hold: boolean;
  upload: string[];
  restart: boolean;
  pkg: string;
  exactVersion?: string;
}

/** Pure: probe output + desired state → changes and actions. */
export function planContainerd(state: Map<string, string[]>, desired: ContainerdDesired): { changes: string[]; actions: ContainerdActions } {
  const changes: string[] = [];
  const pkg = kv(state, 'pkg', 'apt');
  let install = false;
  let hold = false;
  let exactVersion: string | undefined;
  if (desired.source === 'package') {
    const installed = kv(state, 'installed', 'absent');
    const want = desired.version;
    if (want && !isExactPackageVersion(want) && pkg === 'apt') exactVersion = resolveAptVersion(state.get('candidate') ?? [], want);
    else if (want && isExactPackageVersion(want)) exactVersion = want;
    const label = exactVersion ?? want ?? 'the repository candidate';
    if (installed === 'absent') {
      install = true;
      changes.push(`install ${containerdPackage(pkg)} ${label}`);
    } else if (want && !containerdVersionMatches(installed, want)) {
      install = true;
      changes.push(`install ${containerdPackage(pkg)} ${label} (now ${installed})`);
    } else if (kv(state, 'held') !== 'yes') {
      hold = true;
      changes.push(`hold ${containerdPackage(pkg)} at ${installed}`);
    }
  } else if (kv(state, 'archive_sha') !== desired.binarySha256) {
    install = true;
    changes.push(`install containerd ${desired.version ?? ''} from the release archive (sha256 ${desired.binarySha256?.slice(0, 12)}…)`.replace('  ', ' '));
  }

  const upload: string[] = [];
  for (const f of desired.files) {
    const key = f.path === containerdConfigPath ? 'config_sha' : `file_sha:${f.path}`;
    if (kv(state, key) !== f.sha) {
      upload.push(f.path);
      changes.push(`write ${f.path}`);
    }
  }
  const active = kv(state, 'active') === 'yes';
  const cri = kv(state, 'cri', 'down');
  let restart = install || upload.length > 0;
  if (restart) changes.push('restart containerd and check CRI v1 answers');
  else if (!active) {
    restart = true;
    changes.push('start containerd');
  } else if (cri !== 'ok') {
    restart = true;
    changes.push(`restart containerd (CRI v1 ${cri === 'disabled' ? 'is disabled in the config' : 'does not answer'})`);
  }
  return { changes, actions: { install, hold, upload, restart, pkg, exactVersion } };
}

/** The containerd line the config schema must match: the inventory's, else what is installed. */
function configVersion(inventory: Inventory, state: Map<string, string[]>): string {
  const candidates = [inventory.containerd.version, kv(state, 'installed'), kv(state, 'binary_version'), ...(state.get('candidate') ?? [])];
  return candidates.find((v) => v && v !== 'absent' && normalizePackageVersion(v)) ?? '1.7.0';
}

export function desiredFiles(inventory: Inventory, containerdVersion: string): RenderedFile[] {
  return [{ path: containerdConfigPath, content: renderContainerdConfig({ inventory, containerdVersion }) }, ...renderAllHostsToml(inventory)];
}

export function renderContainerdProbe(inventory: Inventory): string {
  return render('steps/containerd/probe.sh.hbs', {
    aptPackage: containerdPackage('apt'),
    rpmPackage: containerdPackage('dnf'),
    configPath: containerdConfigPath,
    files: renderAllHostsToml(inventory).map((f) => f.path),
  });
}

export function renderContainerdInstall(inventory: Inventory, a: ContainerdActions): string {
  const c = inventory.containerd;
  if (c.source === 'binary') {
    const sha = sha256For(c, goArch(process.arch));
    if (!c.binaryUrl || !sha || !c.version) {
      throw new Error('containerd.source binary needs containerd.version, containerd.binaryUrl and containerd.binarySha256');
    }
    return render('steps/containerd/install-binary.sh.hbs', { url: binaryUrl(c.binaryUrl, c.version), sha256: sha });
  }
  if (a.pkg === 'apt') {
    return render('steps/containerd/install-apt.sh.hbs', {
      package: 'containerd',
      version: c.version ?? '',
      exactVersion: a.exactVersion ?? '',
      versionPattern: c.version && !isExactPackageVersion(c.version) ? aptVersionPattern(c.version) : '',
    });
  }
  const spec = c.version ? `containerd.io-${c.version}` : 'containerd.io';
  return render('steps/containerd/install-dnf.sh.hbs', { package: 'containerd.io', packageSpec: spec, dockerRepo });
}

function holdScript(pkg: string): string {
  return render('steps/containerd/hold.sh.hbs', { pkg, package: containerdPackage(pkg) });
}

export const containerdStep: Step = {
  id: 'containerd',
  title: 'containerd (pinned, configured, CRI v1 verified)',
  hosts: (ctx) => ctx.targets,
  async probe(ctx: StepContext, _host, remote) {
    const state = await probeKv(remote, renderContainerdProbe(ctx.inventory), 'containerd: probe');
    const files = desiredFiles(ctx.inventory, configVersion(ctx.inventory, state)).map((f) => ({ path: f.path, sha: sha256(f.content) }));
    const c = ctx.inventory.containerd;
    const { changes, actions } = planContainerd(state, { source: c.source, version: c.version, binarySha256: sha256For(c, goArch(process.arch)), files });
    return { changes, data: { actions, state } };
  },
  async apply(ctx, _host, remote, plan) {
    const { actions, state } = plan.data as { actions: ContainerdActions; state: Map<string, string[]> };
    let installedVersion = kv(state, 'installed');
    if (actions.install) {
      if (ctx.inventory.containerd.source === 'binary') await remote.upload(binaryUnitPath, render('steps/containerd/containerd.service.hbs', {}), { mode: 0o644 });
      const out = await execOrFail(remote, renderContainerdInstall(ctx.inventory, actions), {
        label: 'containerd: install',
        hint: 'check containerd.version against what the host\'s package sources offer (apt-cache madison containerd / dnf list containerd.io --showduplicates)',
      });
      installedVersion = /installed=(\S+)/.exec(out)?.[1] ?? ctx.inventory.containerd.version ?? installedVersion;
    } else if (actions.hold) {
      await execOrFail(remote, holdScript(actions.pkg), { label: 'containerd: hold' });
    }
    const version = ctx.inventory.containerd.version ?? (installedVersion !== 'absent' ? installedVersion : configVersion(ctx.inventory, state));
    for (const f of desiredFiles(ctx.inventory, version)) {
      if (actions.upload.includes(f.path)) await remote.upload(f.path, f.content, { mode: 0o644 });
    }
    if (actions.restart) await execOrFail(remote, render('steps/containerd/restart.sh.hbs', {}), { label: 'containerd: restart' });
  },
};
