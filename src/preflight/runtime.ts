import type { Inventory } from '../inventory/schema.js';
import { checkContainerdCompat, checkSkew, containerdCandidateVerdict } from '../versions/index.js';
import { fail, pass, skip, warn } from './outcome.js';
import type { HostCheck, HostFacts } from './types.js';

/**
 * containerd not installed yet: judge what `up` would install. A pinned version was checked by
 * validate; an unpinned package install gets the distribution's candidate, which is run through
 * the containerd <-> Kubernetes table here, before anything is installed (Debian 11's 1.4 serves
 * only CRI v1alpha2: the kubelet would fail with "CRI v1 runtime API is not implemented").
 */
function notInstalled(c: HostFacts['containerd'], inventory: Inventory) {
  const spec = inventory.containerd;
  const k8s = inventory.kubernetes.version;
  if (spec.source !== 'package' || spec.version) return skip(`containerd is not installed (kinstall up installs ${spec.version ?? 'it'})`);
  const candidate = c.aptCandidate;
  if (candidate === undefined) return skip('containerd is not installed; kinstall up installs the newest containerd.io/containerd the host\'s sources offer and checks it against containerd\'s Kubernetes table first');
  if ((candidate === '(none)' || candidate === '') && !c.aptLists) {
    return skip('containerd is not installed and apt has not read its sources yet; kinstall up runs apt-get update and checks the candidate before installing it');
  }
  const verdict = containerdCandidateVerdict(candidate, k8s);
  if (!verdict.ok) return fail(`containerd is not installed and the version kinstall up would install does not fit: ${verdict.reason}`, verdict.fix);
  return pass(`containerd is not installed; kinstall up would install ${candidate}, which supports Kubernetes ${k8s}`);
}

const containerdCompat: HostCheck = {
  id: 'containerd-compat',
  title: 'An installed containerd supports the target Kubernetes version and serves the CRI v1 API',
  run: ({ facts, inventory }) => {
    const k8s = inventory.kubernetes.version;
    const c = facts.containerd;
    if (!c.version) return notInstalled(facts.containerd, inventory);
    const problems: string[] = [];
    const fixes: string[] = [];
    /** What kinstall up repairs by itself: reported, but only as a warning. */
    const fixedByUp: string[] = [];
    const compat = checkContainerdCompat(c.version, k8s);
    if (!compat.ok) {
      problems.push(compat.reason);
      fixes.push(compat.fix);
    }
    if (c.criDisabled) {
      // The containerd step writes its own config.toml (CRI enabled) whenever the file differs, then
      // restarts containerd and checks CRI v1 with crictl: up repairs this itself.
      fixedByUp.push(`/etc/containerd/config.toml disables the CRI plugin (${c.disabledPlugins.trim()}; Docker's containerd.io package ships this; left alone, the kubelet fails with "CRI v1 runtime API is not implemented"): fixed by kinstall up, whose containerd step rewrites config.toml with CRI enabled and restarts containerd`);
    } else if (c.crictl && c.crictl.exitCode !== 0) {
      const line = c.crictl.output.split('\n').find((l) => l.trim()) ?? '';
      problems.push(`crictl cannot talk CRI v1 to containerd: ${line.trim()}`);
      fixes.push('check that containerd runs with its CRI plugin enabled (systemctl status containerd; journalctl -u containerd)');
    }
    if (problems.length) return fail(`containerd ${c.version}: ${[...problems, ...fixedByUp].join('; ')}`, fixes.join('; '));
    if (fixedByUp.length) {
      return warn(
        `containerd ${c.version}: ${fixedByUp.join('; ')}`,
        'without kinstall up: remove "cri" from disabled_plugins in /etc/containerd/config.toml (or regenerate it with containerd config default) and systemctl restart containerd',
      );
    }
    const cri = c.crictl ? 'CRI v1 answers' : c.configPresent ? 'CRI plugin enabled in config.toml' : 'default config (CRI enabled)';
    return pass(`containerd ${c.version} supports Kubernetes ${k8s}; ${cri}`);
  },
};

const versionSkew: HostCheck = {
  id: 'version-skew',
  title: 'Installed kubeadm, kubelet and kubectl are within the version-skew policy of the target',
  run: ({ facts, inventory }) => {
    const target = inventory.kubernetes.version;
    const verdicts = checkSkew(facts.kube, target);
    const failing = verdicts.filter((v) => v.status === 'fail');
    if (failing.length) {
      return fail(failing.map((v) => v.reason ?? `${v.binary} ${v.installed}`).join('; '), [...new Set(failing.map((v) => v.fix ?? ''))].filter(Boolean).join('; '));
    }
    const installed = verdicts.filter((v) => v.status === 'ok').map((v) => `${v.binary} ${v.installed}`);
    if (installed.length === 0) return pass(`kubeadm, kubelet and kubectl are not installed (kinstall up installs ${target})`);
    return pass(`${installed.join(', ')} fit the target ${target}`);
  },
};

export const runtimeChecks: HostCheck[] = [containerdCompat, versionSkew];
