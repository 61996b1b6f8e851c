import { KinstallError } from '../errors.js';
import type { Inventory } from '../inventory/types.js';
import { render } from '../render.js';
import type { RemoteHost } from '../ssh/types.js';
import { kernelModules } from './facts.js';
import { firewallVerdict } from './firewall.js';
import { formatPort, requiredPorts } from './ports.js';
import { packagesFor, toolPresent, toolsFor, type PackageFamily } from './host-tools.js';
import { osFamily } from './os.js';
import type { CollectedHost, HostFacts, PreflightReport } from './types.js';

export type FixId = 'packages' | 'swap' | 'modules' | 'sysctl' | 'selinux' | 'firewall';

export interface FixAction {
  id: FixId;
  /** One line for the plan shown before anything runs. */
  description: string;
  /** The rendered script part (templates/preflight/fix-<id>.sh.hbs). */
  script: string;
}

export interface HostFixPlan {
  host: string;
  actions: FixAction[];
  /** Failures --fix leaves alone, so the operator knows they remain. */
  notFixable: string[];
}

export const fixableSysctls = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];

/** Which check ids each fix answers. */
const fixFor: Record<string, FixId[]> = {
  swap: ['swap'],
  selinux: ['selinux'],
  'module-br_netfilter': ['modules', 'sysctl'],
  'module-overlay': ['modules'],
  'sysctl-ip-forward': ['sysctl'],
  'sysctl-bridge-nf-call-iptables': ['modules', 'sysctl'],
  'sysctl-bridge-nf-call-ip6tables': ['modules', 'sysctl'],
  firewall: ['firewall'],
  'required-binaries': ['packages'],
};
/** Modules before sysctls: the bridge sysctls exist only once br_netfilter is loaded. */
const order: FixId[] = ['packages', 'swap', 'selinux', 'modules', 'sysctl', 'firewall'];

/** The packages prepare-host would install for this host's missing tools; [] when it cannot tell. */
export function missingToolPackages(facts: HostFacts): { family: PackageFamily; packages: string[] } | undefined {
  const os = osFamily(facts);
  if (os === 'unknown') return undefined;
  const family: PackageFamily = os === 'rhel' ? 'dnf' : 'apt';
  const missing = toolsFor(family)
    .filter((t) => t.installedBy === 'prepare-host' && !toolPresent(t, (b) => Boolean(facts.binaries[b])))
    .map((t) => t.binary);
  return { family, packages: packagesFor(family, missing) };
}

/**
 * The --fix plan per host from a report: what is safe to change (swap, modules, sysctls, SELinux
 * permissive, firewall ports in firewalld/ufw). Checks the operator ignored are left alone, and a
 * firewall is never disabled.
 */
export function planFixes(inventory: Inventory, collected: CollectedHost[], report: PreflightReport): HostFixPlan[] {
  const plans: HostFixPlan[] = [];
  for (const hostReport of report.hosts) {
    const c = collected.find((x) => x.host.name === hostReport.name);
    if (!c) continue;
    const wanted = new Set<FixId>();
    const notFixable: string[] = [];
    for (const check of hostReport.checks) {
      if (check.status === 'pass' || check.status === 'skip' || inventory.preflight.ignore.includes(check.id)) continue;
      const fixes = fixFor[check.id];
      if (fixes) fixes.forEach((f) => wanted.add(f));
      else if (check.status === 'fail') notFixable.push(check.id);
    }
    const actions: FixAction[] = [];
    for (const id of order.filter((f) => wanted.has(f))) {
      if (id === 'packages') {
        const pk = missingToolPackages(c.facts);
        if (!pk || pk.packages.length === 0) {
          if (hostReport.checks.some((x) => x.id === 'required-binaries' && x.status === 'fail')) notFixable.push('required-binaries');
          continue;
        }
        actions.push({
          id,
          description: `install ${pk.packages.join(' ')} (waiting for other apt/dnf runs first)`,
          script: render('preflight/fix-packages.sh.hbs', { family: pk.family, packages: pk.packages }),
        });
      } else if (id === 'firewall') {
        const verdict = firewallVerdict(c.facts, requiredPorts(c.host, inventory));
        if (verdict.backend !== 'firewalld' && verdict.backend !== 'ufw') {
          notFixable.push('firewall');
          continue;
        }
        const ports = verdict.blocked.map(formatPort);
        // ufw writes ranges with a colon.
        const ufwPorts = ports.map((p) => p.replace('-', ':'));
        actions.push({
          id,
          description: `open ${ports.join(', ')} in ${verdict.description}`,
          script: render('preflight/fix-firewall.sh.hbs', { backend: verdict.backend, ports, ufwPorts }),
        });
      } else if (id === 'swap') {
        actions.push({ id, description: 'swapoff -a; comment swap lines in /etc/fstab (backup kept)', script: render('preflight/fix-swap.sh.hbs', {}) });
      } else if (id === 'selinux') {
        actions.push({ id, description: 'setenforce 0; SELINUX=permissive in /etc/selinux/config (backup kept)', script: render('preflight/fix-selinux.sh.hbs', {}) });
      } else if (id === 'modules') {
        actions.push({ id, description: `/etc/modules-load.d/kubernetes.conf (${kernelModules.join(', ')}) and modprobe`, script: render('preflight/fix-modules.sh.hbs', { modules: kernelModules }) });
      } else {
        actions.push({ id, description: `/etc/sysctl.d/99-kubernetes.conf (${fixableSysctls.join(', ')} = 1) and sysctl --system`, script: render('preflight/fix-sysctl.sh.hbs', { sysctls: fixableSysctls }) });
      }
    }
    plans.push({ host: hostReport.name, actions, notFixable });
  }
  return plans;
}

/** One script per host: the header, then each action's part. */
export function fixScript(plan: HostFixPlan): string {
  return render('preflight/fix-header.sh.hbs', { host: plan.host }) + plan.actions.map((a) => a.script).join('');
}

export function formatPlan(plans: HostFixPlan[]): string {
  const lines: string[] = [];
  for (const p of plans) {
    lines.push(`${p.host}:`);
    if (p.actions.length === 0) lines.push('  nothing to fix automatically');
    for (const a of p.actions) lines.push(`  - ${a.id}: ${a.description}`);
    if (p.notFixable.length) lines.push(`  not fixed by --fix (see the report): ${[...new Set(p.notFixable)].join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface FixOutcome {
  host: string;
  ok: boolean;
  output: string;
}

/** Runs each host's fix script (one round trip per host); failures are returned, not thrown. */
export async function applyFixes(plans: HostFixPlan[], remotes: Map<string, RemoteHost>): Promise<FixOutcome[]> {
  return Promise.all(
    plans
      .filter((p) => p.actions.length > 0)
      .map(async (p): Promise<FixOutcome> => {
        const remote = remotes.get(p.host);
        if (!remote) return { host: p.host, ok: false, output: 'no SSH connection' };
        try {
          const r = await remote.exec(fixScript(p), { sudo: true, label: 'preflight fix' });
          return { host: p.host, ok: r.code === 0, output: `${r.stdout}${r.stderr}`.trim() };
        } catch (err) {
          return { host: p.host, ok: false, output: err instanceof KinstallError ? err.format() : String((err as Error)?.message ?? err) };
        }
      }),
  );
}

