import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../../src/paths.js';
import { quotingHelpers } from '../../../src/render.js';
import { type AllowEntry, helpersFor, lintTemplate, listTemplates } from './template-lint.js';

/**
 * The reviewed allow-list: fields written raw because they are typed values kinstall produces
 * itself (numbers, enums, its own constants and computed paths), never inventory or host text.
 * Adding an entry is a security review: say why the value cannot hold a quote, a space or a newline.
 */
const allowList: AllowEntry[] = [
  { field: 'waitSeconds', reason: 'a number of seconds set in the step code' },
  { field: 'settleSeconds', reason: 'a number of seconds (nodeSettleSeconds / addonSettleSeconds)' },
  { field: 'bindPort', reason: 'the API server port number (apiServerPort = 6443)' },
  { field: 'apiVersion', reason: 'kubeadm.k8s.io/v1beta3|v1beta4 from kinstall\'s version table' },
  { field: 'kind', reason: 'an enum: addon workload kind (daemonset|deployment) or mirror probe kind (image|deb|rpm)' },
  { field: 'backend', templates: ['preflight/fix-firewall.sh.hbs'], reason: 'an enum: firewalld|ufw' },
  { field: 'this', templates: ['preflight/facts.sh.hbs', 'preflight/fix-modules.sh.hbs', 'preflight/fix-sysctl.sh.hbs'], reason: 'kinstall\'s constant lists (requiredBinaries, kernelModules, fixableSysctls)' },
  { field: 'marker', templates: ['ssh/exec-inner.sh.hbs'], reason: 'the constant sudo marker of ssh/command.ts' },
  { field: 'b64', templates: ['ssh/exec-inner.sh.hbs'], reason: 'base64 of the script: only [A-Za-z0-9+/=] by construction' },
  { field: 'mode', templates: ['ssh/upload.sh.hbs'], reason: 'four octal digits formatted by ssh/remote.ts' },
  { field: 'name', templates: ['steps/addon/apply.sh.hbs', 'steps/addon/probe.sh.hbs'], reason: 'the add-on id and its workload names: constants of cni.ts / dashboard.ts' },
  { field: 'manifest', templates: ['steps/addon/apply.sh.hbs'], reason: 'kinstallDir + a constant file name (comment)' },
  { field: 'timeout', templates: ['steps/addon/apply.sh.hbs'], reason: 'a Go duration set in addon.ts ("300s")' },
  { field: 'jsonpath', templates: ['steps/addon/probe.sh.hbs'], reason: 'constant JSONPath expressions of addon.ts (inside single quotes)' },
  { field: 'rpmPackage', templates: ['steps/containerd/probe.sh.hbs'], reason: 'the constant package name containerd.io' },
  { field: 'lockGlobs', templates: ['preflight/facts.sh.hbs'], reason: 'kinstall\'s own package-manager lock globs (src/preflight/locks.ts), unquoted so the shell expands them' },
  { field: 'tokenId', reason: 'a bootstrap token id kinstall generated, [a-z0-9]{6} (splitBootstrapToken checks it)' },
  { field: 'expiration', templates: ['steps/join/bootstrap-token-secret.yaml.hbs'], reason: 'Date.toISOString() of a time kinstall computed' },
  { field: 'minor', templates: ['steps/kube-packages/kubernetes.list.hbs', 'steps/kube-packages/kubernetes.repo.hbs'], reason: 'kubernetesMinor(): <digits>.<digits>' },
  { field: 'keyring', templates: ['steps/kube-packages/kubernetes.list.hbs'], reason: 'the constant aptKeyring path' },
  { field: 'firewalld', templates: ['steps/prepare-host/apply.sh.hbs', 'steps/prepare-host/probe.sh.hbs'], reason: 'port specs from firewallPorts() constants ("6443/tcp")' },
  { field: 'ufw', templates: ['steps/prepare-host/apply.sh.hbs', 'steps/prepare-host/probe.sh.hbs'], reason: 'the same ports in ufw spelling ("2379:2380/tcp")' },
  { field: 'namespace', templates: ['dashboard/dashboard.yaml.hbs'], reason: 'dashboardAccess.namespace, a constant DNS label' },
  { field: 'adminServiceAccount', templates: ['dashboard/dashboard.yaml.hbs'], reason: 'dashboardAccess.adminServiceAccount, a constant DNS label' },
  { field: 'dashboardVersion', templates: ['dashboard/dashboard.yaml.hbs'], reason: 'pinned in versions/addons.ts (comment)' },
  { field: 'metricsScraperVersion', templates: ['dashboard/dashboard.yaml.hbs'], reason: 'pinned in versions/addons.ts (comment)' },
  { field: 'flannelVersion', templates: ['flannel/kube-flannel.yaml.hbs'], reason: 'pinned in versions/addons.ts (comment)' },
];

const templates = listTemplates(templatesDir);
const lint = (name: string, source: string) => lintTemplate(name, source, allowList);

describe('templates: no raw interpolation (issue 10)', () => {
  it('finds the templates', () => {
    expect(templates.length).toBeGreaterThan(40);
  });

  it.each(templates)('%s writes every value through its language\'s quoting helper', (name) => {
    const found = lint(name, fs.readFileSync(path.join(templatesDir, name), 'utf8'));
    expect(found.map((v) => `${name}:${v.line}:${v.column}: ${v.text}: ${v.message}`)).toEqual([]);
  });

  it('every allow-list entry is used and its templates exist (the list stays short and true)', () => {
    for (const entry of allowList) {
      for (const t of entry.templates ?? []) expect(templates, `${entry.field}: ${t}`).toContain(t);
      const used = templates.some((t) => {
        if (entry.templates && !entry.templates.includes(t)) return false;
        const withoutIt = allowList.filter((e) => e !== entry);
        return lintTemplate(t, fs.readFileSync(path.join(templatesDir, t), 'utf8'), withoutIt).length > 0;
      });
      expect(used, `allow-list entry ${entry.field} is not needed any more: remove it`).toBe(true);
      expect(entry.reason.length, entry.field).toBeGreaterThan(10);
    }
  });

  it('knows every quoting helper render.ts registers', () => {
    const linted = new Set(Object.values(helpersFor).flatMap((h) => [...h.code, ...h.comment]));
    expect([...linted].sort()).toEqual([...quotingHelpers].sort());
  });
});

describe('the lint itself', () => {
  const one = (name: string, source: string) => lint(name, source).map((v) => v.text);

  it('fails on a planted raw interpolation, double or triple stash, in every language', () => {
    expect(one('x/a.sh.hbs', 'set -eu\necho {{version}}\n')).toEqual(['{{version}}']);
    expect(one('x/a.sh.hbs', 'echo {{{url}}}\n')).toEqual(['{{{url}}}']);
    expect(one('x/a.yaml.hbs', 'image: {{image}}\n')).toEqual(['{{image}}']);
    expect(one('x/a.toml.hbs', 'sandbox = "{{image}}"\n')).toEqual(['{{image}}']);
    expect(one('x/a.list.hbs', 'deb {{repoUrl}} /\n')).toEqual(['{{repoUrl}}']);
  });

  it('looks inside block helpers, their else branches and each loops', () => {
    const src = '{{#if a}}\n{{x}}\n{{else if b}}\n{{y}}\n{{else}}\n{{z}}\n{{/if}}\n{{#each hosts}}{{this.address}} {{../cluster}}{{/each}}\n';
    expect(one('x/a.sh.hbs', src)).toEqual(['{{x}}', '{{y}}', '{{z}}', '{{this.address}}', '{{../cluster}}']);
  });

  it('does not count block params and sub-expressions as output', () => {
    expect(one('x/a.sh.hbs', '{{#if (eq backend "ufw")}}\nufw allow {{shq port}}\n{{/if}}\n{{#each hosts}}{{shq this}}{{/each}}\n')).toEqual([]);
  });

  it('requires the helper of the template\'s language', () => {
    expect(one('x/a.sh.hbs', 'echo {{json v}}\n')).toEqual(['{{json v}}']);
    expect(one('x/a.sh.hbs', 'echo {{word v}}\n')).toEqual(['{{word v}}']);
    expect(one('x/a.toml.hbs', 'k = {{json v}}\n')).toEqual(['{{json v}}']);
    expect(one('x/a.toml.hbs', 'k = {{shq v}}\n')).toEqual(['{{shq v}}']);
    expect(one('x/a.yaml.hbs', 'k: {{toml v}}\n')).toEqual(['{{toml v}}']);
    expect(one('x/a.list.hbs', 'deb {{shq v}} /\n')).toEqual(['{{shq v}}']);
    expect(one('x/a.sh.hbs', 'echo {{join list " "}}\n')).toEqual(['{{join list " "}}']);
  });

  it('in comments, wants a one-line helper (shq is not: a quoted newline ends the comment)', () => {
    expect(one('x/a.sh.hbs', '# for {{shq host}}\n')).toEqual(['{{shq host}}']);
    expect(one('x/a.sh.hbs', '# for {{json host}}\n# and {{word host}}\n')).toEqual([]);
    expect(one('x/a.sh.hbs', '# for {{host}}\n')).toEqual(['{{host}}']);
  });

  it('honours the allow-list only for the templates an entry names', () => {
    expect(one('preflight/fix-firewall.sh.hbs', '# {{backend}}\n')).toEqual([]);
    expect(one('x/other.sh.hbs', '# {{backend}}\n')).toEqual(['{{backend}}']);
    expect(one('x/a.sh.hbs', 'sleep {{waitSeconds}}\n')).toEqual([]);
  });

  it('accepts a plain {{> name}} of an existing same-language partial (linted on its own), refuses the rest', () => {
    expect(one('x/a.sh.hbs', '{{> pkg-lock-wait}}\n')).toEqual([]);
    expect(one('x/a.sh.hbs', '{{> header}}\n')).toEqual(['{{> header}}']);
    expect(one('x/a.sh.hbs', '{{> pkg-lock-wait this}}\n')).toEqual(['{{> pkg-lock-wait this}}']);
    expect(one('x/a.yaml.hbs', '{{> pkg-lock-wait}}\n')).toEqual(['{{> pkg-lock-wait}}']);
  });
});
