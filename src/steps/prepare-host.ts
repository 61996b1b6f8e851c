import type { Inventory } from '../inventory/schema.js';
import type { ResolvedHost } from '../inventory/types.js';
import { modulesConfPath, renderModulesConf, renderSysctlConf, sysctlConfPath } from '../kube/index.js';
import { endpointHost } from '../kube/kubeadm.js';
import { packagesFor, probedBinaries, toolPresent, toolsFor, type PackageFamily } from '../preflight/host-tools.js';
import { render } from '../render.js';
import { execOrFail, kv, probeKv, sha256 } from './remote.js';
import type { Step, StepContext } from './types.js';

/** A firewall port in both spellings: firewalld "2379-2380/tcp", ufw "2379:2380/tcp". */
export interface FirewallPort {
  firewalld: string;
  ufw: string;
}

function port(spec: string): FirewallPort {
  return { firewalld: spec, ufw: spec.replace('-', ':') };
}

/** Ports kubeadm's components listen on, per role (kubernetes.io "Ports and Protocols"). */
export function firewallPorts(host: ResolvedHost, inventory: Inventory): FirewallPort[] {
  const specs = new Set<string>();
  if (host.isControlPlane) for (const p of ['6443/tcp', '2379-2380/tcp', '10250/tcp', '10257/tcp', '10259/tcp']) specs.add(p);
  if (host.isWorker) for (const p of ['10250/tcp', '30000-32767/tcp']) specs.add(p);
  if (inventory.network.plugin === 'flannel') specs.add('8472/udp');
  return [...specs].map(port);
}

/**
 * /etc/hosts entries a host needs: its own name, every control plane (kubelet and kubeadm reach
 * the API by them), and the controlPlaneEndpoint when it is a name kinstall knows an address
 * for (an inventory host's name). Other workers are left out, so adding a worker changes only
 * that worker's file.
 */
export function hostsEntries(ctx: Pick<StepContext, 'hosts' | 'inventory'>, host: ResolvedHost): { name: string; internalAddress: string }[] {
  const entries = new Map<string, string>();
  for (const h of ctx.hosts) if (h.name === host.name || h.isControlPlane) entries.set(h.name, h.internalAddress);
  const cpe = ctx.inventory.kubernetes.controlPlaneEndpoint;
  if (cpe) {
    const name = endpointHost(cpe);
    const known = ctx.hosts.find((h) => h.name === name);
    if (known && !entries.has(name)) entries.set(name, known.internalAddress);
  }
  // Inventory order, so the block is stable whatever order the rules above added them in.
  const order = (n: string) => ctx.hosts.findIndex((h) => h.name === n);
  return [...entries].sort((a, b) => order(a[0]) - order(b[0])).map(([name, internalAddress]) => ({ name, internalAddress }));
}

export function hostsBlock(ctx: Pick<StepContext, 'hosts' | 'inventory'>, host: ResolvedHost): string {
  return render('steps/prepare-host/hosts-block.hbs', { cluster: ctx.inventory.metadata.name, hosts: hostsEntries(ctx, host) });
}

export interface PrepareHostDesired {
  hostname?: string;
  hostsBlockSha: string;
  modulesConfSha: string;
  sysctlConfSha: string;
  ports: FirewallPort[];
}

/** What apply must do; each field is set only when the probe found drift. */
export interface PrepareHostActions {
  hostname?: string;
  writeHostsBlock: boolean;
  swapOff: boolean;
  writeModulesConf: boolean;
  loadModules: boolean;
  writeSysctlConf: boolean;
  reloadSysctl: boolean;
  selinuxPermissive: boolean;
  openPorts: FirewallPort[];
  installTimesync: boolean;
  /** Packages for missing host tools (conntrack, socat, ...), per the host's package family. */
  installPackages?: string[];
  firewall: string;
  pkg: string;
}

/** Pure: probe output + desired state → changes and the actions that make them. */
export function planPrepareHost(state: Map<string, string[]>, desired: PrepareHostDesired): { changes: string[]; actions: PrepareHostActions } {
  const changes: string[] = [];
  const hostname = kv(state, 'hostname');
  const wantName = desired.hostname;
  const renameNeeded = wantName !== undefined && (hostname !== wantName || kv(state, 'etc_hostname') !== wantName);
  if (renameNeeded) changes.push(`set hostname ${wantName} (now ${hostname || 'unset'})`);

  const writeHostsBlock = kv(state, 'hosts_block_sha') !== desired.hostsBlockSha;
  if (writeHostsBlock) changes.push('write the cluster nodes to /etc/hosts');

  const swaps = Number(kv(state, 'swaps_active', '0'));
  const fstabSwap = Number(kv(state, 'fstab_swap', '0'));
  if (swaps > 0) changes.push(`turn swap off (${swaps} active)`);
  if (fstabSwap > 0) changes.push(`comment out ${fstabSwap} swap line(s) in /etc/fstab`);

  const writeModulesConf = kv(state, 'modules_conf_sha') !== desired.modulesConfSha;
  if (writeModulesConf) changes.push(`write ${modulesConfPath}`);
  const missingModules = ['overlay', 'br_netfilter'].filter((m) => kv(state, `module_${m}`) !== 'present');
  if (missingModules.length) changes.push(`load kernel modules: ${missingModules.join(', ')}`);

  const writeSysctlConf = kv(state, 'sysctl_conf_sha') !== desired.sysctlConfSha;
  if (writeSysctlConf) changes.push(`write ${sysctlConfPath}`);
  const wrongSysctls = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'].filter(
    (k) => kv(state, `sysctl_${k}`) !== '1',
  );
  if (wrongSysctls.length) changes.push(`apply sysctls: ${wrongSysctls.map((k) => `${k}=${kv(state, `sysctl_${k}`, 'absent')}→1`).join(', ')}`);

  const selinuxPermissive = kv(state, 'selinux') === 'enforcing' || kv(state, 'selinux_config') === 'enforcing';
  if (selinuxPermissive) changes.push('set SELinux to permissive (now and in /etc/selinux/config)');

  const firewall = kv(state, 'firewall', 'none');
  const open = new Set(state.get('port_open') ?? []);
  const openPorts = firewall === 'none' ? [] : desired.ports.filter((p) => !open.has(p.firewalld));
  if (openPorts.length) changes.push(`open ${firewall} ports: ${openPorts.map((p) => p.firewalld).join(' ')}`);

  const installTimesync = kv(state, 'timesync') === 'absent';
  if (installTimesync) changes.push('install a time sync service');

  const pkg = kv(state, 'pkg', 'apt');
  const family: PackageFamily = pkg === 'apt' ? 'apt' : 'dnf';
  const absent = new Set(state.get('tool_missing') ?? []);
  // A package an earlier apply found missing from the host's sources is neither retried nor drift.
  const unavailable = new Set(state.get('pkg_unavailable') ?? []);
  const missing = toolsFor(family)
    .filter((t) => t.installedBy === 'prepare-host' && !toolPresent(t, (b) => !absent.has(b)))
    .filter((t) => !unavailable.has((family === 'apt' ? t.deb : t.rpm) ?? ''))
    .map((t) => t.binary);
  const installPackages = packagesFor(family, missing);
  if (installPackages.length) changes.push(`install ${installPackages.join(' ')} (missing: ${missing.join(', ')})`);

  return {
    changes,
    actions: {
      hostname: renameNeeded ? wantName : undefined,
      writeHostsBlock,
      swapOff: swaps > 0 || fstabSwap > 0,
      writeModulesConf,
      loadModules: writeModulesConf || missingModules.length > 0,
      writeSysctlConf,
      reloadSysctl: writeSysctlConf || wrongSysctls.length > 0 || missingModules.length > 0,
      selinuxPermissive,
      openPorts,
      installTimesync,
      installPackages,
      firewall,
      pkg,
    },
  };
}

export function renderPrepareHostProbe(ctx: Pick<StepContext, 'inventory'>, host: ResolvedHost): string {
  return render('steps/prepare-host/probe.sh.hbs', {
    cluster: ctx.inventory.metadata.name,
    modulesConfPath,
    sysctlConfPath,
    ports: firewallPorts(host, ctx.inventory),
    tools: probedBinaries,
  });
}

export function renderPrepareHostApply(ctx: Pick<StepContext, 'inventory' | 'hosts'>, host: ResolvedHost, a: PrepareHostActions): string {
  return render('steps/prepare-host/apply.sh.hbs', {
    cluster: ctx.inventory.metadata.name,
    hostname: a.hostname ?? '',
    hostsBlock: a.writeHostsBlock ? hostsBlock(ctx, host) : '',
    swapOff: a.swapOff,
    loadModules: a.loadModules,
    reloadSysctl: a.reloadSysctl,
    sysctlConfPath,
    selinuxPermissive: a.selinuxPermissive,
    openPorts: a.openPorts,
    firewall: a.firewall,
    installTimesync: a.installTimesync,
    installPackages: a.installPackages ?? [],
    packageWork: a.installTimesync || (a.installPackages ?? []).length > 0,
    pkg: a.pkg,
  });
}

function desiredFor(ctx: StepContext, host: ResolvedHost): PrepareHostDesired {
  return {
    hostname: host.setHostname ? host.name : undefined,
    // The probe hashes the block as sed prints it: the same lines, newline-terminated.
    hostsBlockSha: sha256(hostsBlock(ctx, host)),
    modulesConfSha: sha256(renderModulesConf()),
    sysctlConfSha: sha256(renderSysctlConf()),
    ports: firewallPorts(host, ctx.inventory),
  };
}

export const prepareHostStep: Step = {
  id: 'prepare-host',
  title: 'Prepare hosts (hostname, /etc/hosts, swap, modules, sysctl, SELinux, firewall, host tools, time sync)',
  hosts: (ctx) => ctx.targets,
  async probe(ctx, host, remote) {
    const state = await probeKv(remote, renderPrepareHostProbe(ctx, host), 'prepare-host: probe');
    const { changes, actions } = planPrepareHost(state, desiredFor(ctx, host));
    return { changes, data: actions };
  },
  async apply(ctx, host, remote, plan) {
    const actions = plan.data as PrepareHostActions;
    // Config files first, so modprobe/sysctl --system below read the new ones.
    if (actions.writeModulesConf) await remote.upload(modulesConfPath, renderModulesConf(), { mode: 0o644 });
    if (actions.writeSysctlConf) await remote.upload(sysctlConfPath, renderSysctlConf(), { mode: 0o644 });
    await execOrFail(remote, renderPrepareHostApply(ctx, host, actions), { label: 'prepare-host: apply' });
  },
};
