import { ExitCode, KinstallError } from '../errors.js';
import { sha256For, type ContainerdSpec, type Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import type { RemoteHost } from '../ssh/types.js';
import { containerdConfigPath, renderAllHostsToml, renderContainerdConfig, type RenderedFile } from '../kube/index.js';
import { render } from '../render.js';
import { containerdCandidateVerdict, normalizePackageVersion } from '../versions/index.js';
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

/** URL template for source: binary: {version} and {arch} (Go names: amd64, arm64), {arch} of the target host. */
export function binaryUrl(template: string, version: string, arch: string): string {
  return template.replaceAll('{version}', version.replace(/^v/, '')).replaceAll('{arch}', arch);
}

/** `uname -m` → the Go architecture name release archives use (containerd-X-linux-<arch>.tar.gz). */
const unameToGo: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  armv6l: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/**
 * The host's architecture in Go's naming, from the probe: dpkg's name where dpkg exists (Debian
 * names are Go's for these: amd64, arm64, armhf→arm, ppc64el→ppc64le), else `uname -m` mapped.
 * Never the machine running kinstall: a mixed amd64/arm64 cluster is common.
 */
export function hostGoArch(state: Map<string, string[]>): string | undefined {
  const dpkg = kv(state, 'dpkg_arch');
  const fromDpkg: Record<string, string> = { amd64: 'amd64', arm64: 'arm64', armhf: 'arm', ppc64el: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  if (dpkg && fromDpkg[dpkg]) return fromDpkg[dpkg];
  return unameToGo[kv(state, 'uname_m')];
}

/**
 * source: binary with ONE binarySha256 across hosts of different architectures cannot be right
 * (each archive has its own hash): refuse before downloading anything. archByHost: host → Go arch.
 */
export function binaryArchProblem(c: Pick<ContainerdSpec, 'source' | 'binarySha256'>, archByHost: Map<string, string | undefined>): string | undefined {
  if (c.source !== 'binary') return undefined;
  const unknown = [...archByHost].filter(([, a]) => a === undefined).map(([h]) => h);
  if (unknown.length) return `cannot tell the architecture of ${unknown.join(', ')} (neither dpkg --print-architecture nor uname -m gave a known one)`;
  const arches = [...new Set(archByHost.values())] as string[];
  if (typeof c.binarySha256 === 'string' && arches.length > 1) {
    const list = [...archByHost].map(([h, a]) => `${h}=${a}`).join(', ');
    return `containerd.binarySha256 is one hash but the hosts have different architectures (${list}); give binarySha256 as a map, e.g. {${arches.map((a) => `${a}: <sha256 of the ${a} archive>`).join(', ')}}`;
  }
  if (typeof c.binarySha256 === 'object') {
    const missing = arches.filter((a) => !c.binarySha256 || typeof c.binarySha256 !== 'object' || !(a in c.binarySha256));
    if (missing.length) return `containerd.binarySha256 has no entry for architecture ${missing.join(', ')} (hosts: ${[...archByHost].filter(([, a]) => missing.includes(a!)).map(([h]) => h).join(', ')})`;
  }
  return undefined;
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
  /** The version an install would put on the host (pin, resolved pin, or the repository candidate); undefined when unknown. */
  installVersion?: string;
  /** source: binary: the host's Go architecture and the archive's URL inputs. */
  arch?: string;
}

/** Pure: probe output + desired state → changes and actions. */
export function planContainerd(state: Map<string, string[]>, desired: ContainerdDesired): { changes: string[]; actions: ContainerdActions } {
  const changes: string[] = [];
  const pkg = kv(state, 'pkg', 'apt');
  let install = false;
  let hold = false;
  let exactVersion: string | undefined;
  let installVersion: string | undefined;
  if (desired.source === 'package') {
    const installed = kv(state, 'installed', 'absent');
    const want = desired.version;
    if (want && !isExactPackageVersion(want) && pkg === 'apt') exactVersion = resolveAptVersion(state.get('candidate') ?? [], want);
    else if (want && isExactPackageVersion(want)) exactVersion = want;
    const policy = kv(state, 'policy_candidate');
    installVersion = exactVersion ?? want ?? (policy && policy !== '(none)' ? policy : undefined);
    const label = exactVersion ?? want ?? (installVersion ? `${installVersion} (the repository candidate)` : 'the repository candidate');
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
  return { changes, actions: { install, hold, upload, restart, pkg, exactVersion, installVersion, arch: hostGoArch(state) } };
}

/**
 * Pure: refuse, before anything is installed, a containerd package the host would install that
 * the containerd <-> Kubernetes table rejects (an unpinned inventory gets the distribution's
 * candidate: Debian 11's 1.4 serves only CRI v1alpha2). null = fine or nothing to install.
 */
export function containerdInstallProblem(
  state: Map<string, string[]>,
  actions: ContainerdActions,
  k8sVersion: string,
  source: ContainerdSpec['source'],
): { candidate: string; reason: string; fix: string } | null {
  if (source !== 'package' || !actions.install) return null;
  const pkg = containerdPackage(actions.pkg);
  const policy = kv(state, 'policy_candidate');
  if (actions.installVersion === undefined) {
    // apt with no candidate: nothing to install. dnf with no candidate yet: Docker's repository
    // is added by the install itself, its containerd.io cannot be read beforehand.
    // Without any apt lists, "(none)" only means apt has not read its sources yet: apply resolves
    // the candidate after apt-get update and checks it then (resolveAptCandidate).
    if (actions.pkg === 'apt' && (policy === '(none)' || policy === '') && kv(state, 'apt_lists', 'yes') === 'yes') {
      const v = containerdCandidateVerdict('', k8sVersion);
      if (!v.ok) return { candidate: '(none)', reason: `${pkg}: ${v.reason}`, fix: v.fix };
    }
    return null;
  }
  const v = containerdCandidateVerdict(actions.installVersion, k8sVersion);
  return v.ok ? null : { candidate: actions.installVersion, reason: v.reason, fix: v.fix };
}

/** The containerd line the config schema must match: the inventory's, else what is installed. */
function configVersion(inventory: Inventory, state: Map<string, string[]>): string {
  // The policy candidate is what an unpinned install picks; the version table follows, newest first.
  const candidates = [inventory.containerd.version, kv(state, 'installed'), kv(state, 'binary_version'), kv(state, 'policy_candidate'), ...(state.get('candidate') ?? [])];
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
    const sha = a.arch ? sha256For(c, a.arch) : undefined;
    if (!c.binaryUrl || !sha || !c.version || !a.arch) {
      throw new Error(`containerd.source binary needs containerd.version, containerd.binaryUrl and a containerd.binarySha256 for this host's architecture (${a.arch ?? 'unknown'})`);
    }
    return render('steps/containerd/install-binary.sh.hbs', { url: binaryUrl(c.binaryUrl, c.version, a.arch), sha256: sha });
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

export function renderContainerdArchProbe(): string {
  return render('steps/containerd/arch.sh.hbs', {});
}

/** The refusal of a containerd the table rejects, naming host, candidate, Kubernetes and the fix. */
export function containerdCandidateError(host: ResolvedHost, k8sVersion: string, problem: { candidate: string; reason: string; fix: string }): KinstallError {
  return new KinstallError(
    `containerd: refusing to install containerd ${problem.candidate} for Kubernetes ${k8sVersion}: ${problem.reason}`,
    { exitCode: ExitCode.stepFailed, host: host.name, hint: problem.fix },
  );
}

/**
 * Unpinned apt install: the probe read the candidate from whatever lists the host had (none at
 * all on a fresh cloud image). Refresh them, read the candidate again, check it against the
 * containerd <-> Kubernetes table and return it as the exact version to install, so the version
 * that was checked is the version that gets installed.
 */
export async function resolveAptCandidate(remote: RemoteHost, k8sVersion: string, host: ResolvedHost): Promise<string> {
  const out = await execOrFail(remote, render('steps/containerd/resolve-candidate.sh.hbs', { package: containerdPackage('apt') }), {
    label: 'containerd: resolve candidate',
    hint: 'check the host\'s apt sources (apt-get update)',
  });
  const candidate = /^policy_candidate=(.*)$/m.exec(out)?.[1]?.trim() ?? '';
  const verdict = containerdCandidateVerdict(candidate, k8sVersion);
  if (!verdict.ok) throw containerdCandidateError(host, k8sVersion, { candidate: candidate || '(none)', reason: verdict.reason, fix: verdict.fix });
  return candidate;
}

export const containerdStep: Step = {
  id: 'containerd',
  title: 'containerd (pinned, configured, CRI v1 verified)',
  hosts: (ctx) => ctx.targets,
  /** source: binary: every host's architecture first, so a wrong binarySha256 shape fails before any download. */
  async prepare(ctx) {
    const c = ctx.inventory.containerd;
    if (c.source !== 'binary') return;
    const archByHost = new Map<string, string | undefined>();
    await Promise.all(
      ctx.targets.map(async (h) => {
        const remote = ctx.remotes.get(h.name);
        if (!remote) return;
        archByHost.set(h.name, hostGoArch(await probeKv(remote, renderContainerdArchProbe(), 'containerd: architecture')));
      }),
    );
    const problem = binaryArchProblem(c, archByHost);
    if (problem) {
      throw new KinstallError(`containerd: ${problem}`, {
        exitCode: ExitCode.usage,
        hint: 'set containerd.binarySha256 per architecture (amd64: <sha>, arm64: <sha>), each the SHA-256 of that architecture\'s archive',
      });
    }
  },
  async probe(ctx: StepContext, host, remote) {
    const state = await probeKv(remote, renderContainerdProbe(ctx.inventory), 'containerd: probe');
    const files = desiredFiles(ctx.inventory, configVersion(ctx.inventory, state)).map((f) => ({ path: f.path, sha: sha256(f.content) }));
    const c = ctx.inventory.containerd;
    const arch = hostGoArch(state);
    const binarySha = arch ? sha256For(c, arch) : undefined;
    const { changes, actions } = planContainerd(state, { source: c.source, version: c.version, binarySha256: binarySha, files });
    const k8s = ctx.inventory.kubernetes.version;
    const problem = containerdInstallProblem(state, actions, k8s, c.source);
    if (problem) throw containerdCandidateError(host, k8s, problem);
    return { changes, data: { actions, state } };
  },
  async apply(ctx, host, remote, plan) {
    const { actions, state } = plan.data as { actions: ContainerdActions; state: Map<string, string[]> };
    let installedVersion = kv(state, 'installed');
    if (actions.install && ctx.inventory.containerd.source === 'package' && actions.pkg === 'apt' && !actions.exactVersion && !ctx.inventory.containerd.version) {
      actions.exactVersion = await resolveAptCandidate(remote, ctx.inventory.kubernetes.version, host);
    }
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
