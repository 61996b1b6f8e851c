import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDashboardManifest, renderFlannelManifest, renderModulesConf, renderSysctlConf } from '../../../src/kube/index.js';
import type { PreflightReport } from '../../../src/preflight/types.js';
import { desiredFiles } from '../../../src/steps/containerd.js';
import { upSteps } from '../../../src/steps/index.js';
import { renderRepoFile } from '../../../src/steps/kube-packages.js';
import { blockingChecks, makePreflightStep } from '../../../src/steps/preflight.js';
import { hostsBlock } from '../../../src/steps/prepare-host.js';
import { sha256 } from '../../../src/steps/remote.js';
import { formatPlan, formatSummary, runSteps } from '../../../src/steps/run.js';
import { ExitCode } from '../../../src/errors.js';
import { FakeRemote, fakeContext } from './fakes.js';
import { labCluster } from './inventories.js';

function report(checks: Record<string, { id: string; status: 'pass' | 'warn' | 'fail'; message?: string; fix?: string }[]>, cluster: PreflightReport['cluster'] = []): PreflightReport {
  return {
    hosts: Object.entries(checks).map(([name, cs]) => ({ name, address: name, checks: cs.map((c) => ({ message: c.id, fix: '', ...c })) })),
    cluster,
    summary: { pass: 0, warn: 0, fail: 0 },
  };
}

describe('preflight in up', () => {
  it('blocks on real failures, not on what prepare-host fixes or on our own earlier install', () => {
    const r = report(
      {
        node1: [{ id: 'swap', status: 'fail' }, { id: 'sysctl-ip-forward', status: 'fail' }, { id: 'cpu', status: 'pass' }],
        node2: [{ id: 'memory', status: 'fail', message: 'memory 512 MiB', fix: 'add memory' }],
        node3: [{ id: 'existing-cluster', status: 'fail' }, { id: 'ports', status: 'fail' }],
        node4: [{ id: 'ports', status: 'fail', message: '6443 in use' }],
      },
      [{ id: 'unique-mac', status: 'fail', message: 'same MAC', hosts: ['node1', 'node2'] }],
    );
    expect(blockingChecks(r, 'node1').map((b) => b.id)).toEqual(['unique-mac']);
    expect(blockingChecks(r, 'node2').map((b) => b.id)).toEqual(['memory', 'unique-mac']);
    expect(blockingChecks(r, 'node3')).toEqual([]);
    expect(blockingChecks(r, 'node4').map((b) => b.id)).toEqual(['ports']);
  });

  it('a failing check stops the whole run with exit 1 and the fix', async () => {
    const { hosts, inventory } = labCluster();
    const remotes = hosts.map((h) => new FakeRemote(h.name));
    const ctx = fakeContext(hosts, remotes, undefined, inventory);
    const pf = makePreflightStep(async () => report({ node1: [], node2: [{ id: 'memory', status: 'fail', message: 'memory 512 MiB', fix: 'give it 1 GiB' }], node3: [] }));
    const res = await runSteps([pf, ...upSteps.slice(1)], ctx, { dryRun: false, concurrency: 4, renderer: 'silent' });
    expect(res.exitCode).toBe(ExitCode.checksFailed);
    expect(res.failures[0]!.format()).toBe('node2: preflight failed: memory: memory 512 MiB\n  fix: give it 1 GiB; or, when you accept the risk, list the check id under preflight.ignore');
    expect(remotes.every((r) => r.execs.length === 0)).toBe(true);
  });
});

function freshHost(r: FakeRemote): void {
  const answers: Record<string, string> = {
    'prepare-host: probe': 'hostname=localhost\nhosts_block_sha=x\nswaps_active=1\nfstab_swap=1\nmodules_conf_sha=absent\nsysctl_conf_sha=absent\nmodule_overlay=present\nmodule_br_netfilter=absent\nselinux=absent\nfirewall=none\ntimesync=absent\npkg=apt',
    'containerd: probe': 'pkg=apt\ninstalled=absent\nheld=no\ncandidate=1.6.20~ds1-1+deb12u2\nconfig_sha=absent\nactive=no\ncri=down',
    'kube-packages: probe': 'pkg=apt\nrepo_sha=absent\nkeyring=absent\nkubelet_enabled=no',
    'init: probe': 'admin_conf=no\napiserver_manifest=no\napi=down\nadmin_conf_sha=absent\nroot_kubeconfig_sha=absent',
    'join: probe': 'kubelet_conf=no\npki_ca_crt=no',
    'cni: probe': 'manifest_sha=absent\napi=down',
    'dashboard: probe': 'manifest_sha=absent\napi=down',
    'kubeconfig: probe': 'admin_conf=no',
  };
  r.responders.push((_s, o) => {
    if (o?.label?.startsWith('join: is ')) return { stdout: 'node_listed=unknown\n' };
    const a = o?.label ? answers[o.label] : undefined;
    return a === undefined ? undefined : { stdout: `${a}\n` };
  });
}

const passingPreflight = makePreflightStep(async ({ hosts }) => report(Object.fromEntries(hosts.map((h) => [h.name, [{ id: 'cpu', status: 'pass' as const }]]))));

describe('kinstall up steps on fake hosts', () => {
  it('dry run on fresh hosts: only probes run, nothing is uploaded, the plan names every step', async () => {
    const { hosts, inventory } = labCluster();
    const remotes = hosts.map((h) => new FakeRemote(h.name));
    remotes.forEach(freshHost);
    const ctx = fakeContext(hosts, remotes, undefined, inventory);
    const res = await runSteps([passingPreflight, ...upSteps.slice(1)], ctx, { dryRun: true, concurrency: 4, renderer: 'silent' });
    expect(res.failures.map((f) => f.format())).toEqual([]);
    for (const r of remotes) {
      expect(r.uploads).toEqual([]);
      for (const e of r.execs) expect(e.opts?.label).toMatch(/: probe$|^join: is node\d a node$/);
    }
    const plan = formatPlan(res);
    for (const line of [
      'turn swap off (1 active)',
      'install containerd 1.6.20~ds1-1+deb12u2',
      'install kubeadm 1.28.15-1.1',
      'pull the images kubeadm config images list names',
      'kubeadm init --upload-certs',
      'join the cluster as a worker',
      'kubectl apply the cni manifest',
      'kubectl apply the dashboard manifest',
      'wait for node node3 to register and become Ready',
    ]) {
      expect(plan).toContain(line);
    }
    expect(formatSummary(res)).toMatch(/prepare-host\s+3 would change, 0 unchanged/);
  });

  it('a converged cluster: every step reports unchanged and nothing is applied', async () => {
    const { hosts, inventory } = labCluster();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-up-'));
    const kubeconfigPath = path.join(dir, 'lab.kubeconfig');
    fs.writeFileSync(kubeconfigPath, 'K', { mode: 0o600 });
    const remotes = hosts.map((h) => new FakeRemote(h.name));
    const ctx = { ...fakeContext(hosts, remotes, undefined, inventory), kubeconfigPath };
    const files = desiredFiles(inventory, '1.6.20');
    const ok = (name: string): Record<string, string> => ({
      'prepare-host: probe': [
        `hostname=${name}`, `etc_hostname=${name}`, `hosts_block_sha=${sha256(hostsBlock(ctx, hosts.find((h) => h.name === name)!))}`, 'swaps_active=0', 'fstab_swap=0',
        `modules_conf_sha=${sha256(renderModulesConf())}`, `sysctl_conf_sha=${sha256(renderSysctlConf())}`, 'module_overlay=present',
        'module_br_netfilter=present', 'sysctl_net.ipv4.ip_forward=1', 'sysctl_net.bridge.bridge-nf-call-iptables=1',
        'sysctl_net.bridge.bridge-nf-call-ip6tables=1', 'selinux=absent', 'firewall=none', 'timesync=present', 'pkg=apt',
      ].join('\n'),
      'containerd: probe': [
        'pkg=apt', 'installed=1.6.20~ds1-1+deb12u2', 'held=yes', 'active=yes', 'cri=ok',
        ...files.map((f) => (f.path === '/etc/containerd/config.toml' ? `config_sha=${sha256(f.content)}` : `file_sha:${f.path}=${sha256(f.content)}`)),
      ].join('\n'),
      'kube-packages: probe': [
        'pkg=apt', `repo_sha=${sha256(renderRepoFile(inventory, 'apt').content)}`, 'keyring=present', 'kubelet_enabled=yes',
        ...['kubeadm', 'kubelet', 'kubectl'].flatMap((p) => [`installed_${p}=1.28.15-1.1`, `held_${p}=yes`]), 'installed_cri-tools=1.28.0-1.1',
      ].join('\n'),
      'init: probe': 'init_done=yes\nadmin_conf=yes\napi=ok\nadmin_conf_sha=A\nroot_kubeconfig_sha=A',
      'join: probe': 'kubelet_conf=yes\npki_ca_crt=yes',
      'images: probe': 'kubeadm=present\nimage:10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15=present',
      'node-metadata: probe': `api=ok\n--- nodes json\n${JSON.stringify({ items: ['node1', 'node2', 'node3'].map((n) => ({ metadata: { name: n } })) })}`,
      'cni: probe': `manifest_sha=${sha256(renderFlannelManifest({ inventory }))}\napi=ok\nworkload:daemonset/kube-flannel-ds=3 3`,
      'dashboard: probe': `manifest_sha=${sha256(renderDashboardManifest({ inventory }))}\napi=ok\nworkload:deployment/kubernetes-dashboard=1 1\nworkload:deployment/dashboard-metrics-scraper=1 1`,
      'kubeconfig: probe': `admin_conf=yes\nrewritten_sha=${sha256('K')}\nnode:node1=True\nnode:node2=True\nnode:node3=True`,
    });
    for (const r of remotes) {
      const answers = ok(r.name);
      r.responders.push((_s, o) => {
        if (o?.label?.startsWith('join: is ')) return { stdout: 'node_listed=yes\n' };
        const a = o?.label ? answers[o.label] : undefined;
        return a === undefined ? undefined : { stdout: `${a}\n` };
      });
    }
    const res = await runSteps([passingPreflight, ...upSteps.slice(1)], ctx, { dryRun: false, concurrency: 4, renderer: 'silent' });
    expect(res.failures.map((f) => f.format())).toEqual([]);
    const statuses = new Set(res.steps.flatMap((s) => s.hosts.map((h) => h.status)));
    expect([...statuses]).toEqual(['unchanged']);
    for (const r of remotes) expect(r.uploads).toEqual([]);
    expect(formatSummary(res)).toMatch(/containerd\s+0 changed, 3 unchanged/);
    expect(ctx.notes.join('\n')).toContain(`kubeconfig: ${kubeconfigPath}`);
  });
});
