// /var/lib/kubelet/kubeadm-flags.env, as kubeadm's kubelet-start phase writes it: the flags
// kubeadm computes plus nodeRegistration.kubeletExtraArgs (which win), one sorted `--name=value`
// list in KUBELET_KUBEADM_ARGS. The kubelet unit's drop-in expands it onto the kubelet's command
// line, which is how node-ip, node-labels and register-with-taints reach the kubelet simulator.
import { taintToString, type Taint } from '../labels.js';

export interface Arg { name: string; value: string }

/**
 * kubeletExtraArgs / extraArgs as decoded: v1beta3 has a map[string]string, v1beta4 (kubeadm
 * 1.31+) a list of {name, value} (cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go Arg). Both
 * become the internal list, as kubeadm's conversion does (v1beta3/conversion.go
 * convertToArgs); a map's order is its sorted keys.
 */
export function toArgs(raw: unknown): Arg[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((a: { name?: unknown; value?: unknown }) => ({ name: String(a?.name ?? ''), value: String(a?.value ?? '') }));
  return Object.keys(raw as Record<string, unknown>).sort().map((name) => ({ name, value: String((raw as Record<string, unknown>)[name]) }));
}

/** The last value of an argument (kubeadm's GetArgValue looks from the end). */
export function argValue(args: Arg[], name: string): string | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (args[i]!.name === name) return args[i]!.value;
  return undefined;
}

/**
 * cmd/kubeadm/app/util/arguments.go ArgumentsToCommand (BuildArgumentListFromMap before 1.31):
 * overrides replace every base argument of the same name; the result is sorted by name, then value.
 */
export function argumentsToCommand(base: Arg[], overrides: Arg[]): string[] {
  const overridden = new Set(overrides.map((a) => a.name));
  const args = [...overrides, ...base.filter((a) => !overridden.has(a.name))];
  args.sort((a, b) => (a.name === b.name ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.name < b.name ? -1 : 1));
  return args.map((a) => `--${a.name}=${a.value}`);
}

export interface KubeletEnvOptions {
  criSocket: string;
  pauseImage: string;
  nodeName: string;
  hostname: string;
  taints: Taint[] | undefined;
  /**
   * Only a worker join registers its taints through the kubelet: cmd/kubeadm/app/cmd/phases/join/kubelet.go
   * (`registerTaintsUsingFlags := cfg.ControlPlane == nil`); init passes false
   * (cmd/kubeadm/app/cmd/phases/init/kubelet.go) and control planes get their taints in
   * mark-control-plane.
   */
  registerTaintsUsingFlags: boolean;
  kubeletExtraArgs: Arg[];
}

/** cmd/kubeadm/app/phases/kubelet/flags.go buildKubeletArgMapCommon + WriteKubeletDynamicEnvFile. */
export function kubeletEnvFile(o: KubeletEnvOptions): string {
  const base: Arg[] = [{ name: 'container-runtime-endpoint', value: o.criSocket }];
  if (o.pauseImage) base.push({ name: 'pod-infra-container-image', value: o.pauseImage });
  if (o.registerTaintsUsingFlags && o.taints && o.taints.length > 0) {
    base.push({ name: 'register-with-taints', value: o.taints.map(taintToString).join(',') });
  }
  // GetNodeNameAndHostname: a hostname-override among the extra args names the node too.
  const nodeName = argValue(o.kubeletExtraArgs, 'hostname-override') ?? o.nodeName;
  if (nodeName !== o.hostname) base.push({ name: 'hostname-override', value: nodeName });
  // fmt.Sprintf("%s=%q\n", ...): Go's %q quoting; JSON's escaping agrees for printable text.
  return `KUBELET_KUBEADM_ARGS=${JSON.stringify(argumentsToCommand(base, o.kubeletExtraArgs).join(' '))}\n`;
}
