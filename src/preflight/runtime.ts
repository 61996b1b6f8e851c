import { checkContainerdCompat, checkSkew } from '../versions/index.js';
import { fail, pass, skip, warn } from './outcome.js';
import type { HostCheck } from './types.js';

const containerdCompat: HostCheck = {
  id: 'containerd-compat',
  title: 'An installed containerd supports the target Kubernetes version and serves the CRI v1 API',
  run: ({ facts, inventory }) => {
    const k8s = inventory.kubernetes.version;
    const c = facts.containerd;
    if (!c.version) return skip(`containerd is not installed (kinstall up installs ${inventory.containerd.version ?? 'it'})`);
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
