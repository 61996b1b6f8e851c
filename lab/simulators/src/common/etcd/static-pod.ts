// How the lab's kubelet runs the etcd static pod kubeadm writes: the host's real etcd binary
// (Debian's etcd-server, lab-only: see lab/simulators/README.md) with exactly the container's
// command and args, in place of the image's /usr/local/bin/etcd.
import { existsSync } from 'node:fs';

export const HOST_ETCD = '/usr/bin/etcd';

/** The etcd container of a static pod (kubeadm names it etcd and runs `etcd --flags…`), or null. */
export function etcdArgv(pod: any): string[] | null {
  const c = (pod?.spec?.containers ?? []).find((x: any) => x?.name === 'etcd' || /\/etcd:[^/]+$/.test(String(x?.image ?? '')));
  if (!c) return null;
  const command: string[] = (c.command ?? []).map(String);
  const args: string[] = (c.args ?? []).map(String);
  // The image's entry is the etcd binary; the first word names it, the rest are its flags.
  const words = command.length ? [...command.slice(1), ...args] : args;
  return words;
}

/** Why the host cannot run it, if so (the pod then fails as a container without its binary does). */
export function hostEtcdMissing(binary = HOST_ETCD): string | null {
  return existsSync(binary) ? null : `exec: "${binary}": stat ${binary}: no such file or directory: the lab's kubelet package should have pulled in etcd-server`;
}

/**
 * etcd's own reason for exiting, from its last output: a flag this etcd does not know (a real
 * incompatibility between the kubeadm minor and the host's etcd) is printed by Go's flag package
 * as `flag provided but not defined: -x`; otherwise etcd's last fatal/error log line.
 */
export function etcdExitReason(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const flag = lines.find((l) => /flag provided but not defined|invalid value .* for flag/.test(l));
  if (flag) return flag;
  const fatal = [...lines].reverse().find((l) => /"level":"(fatal|panic|error)"| [CEF] \| /.test(l));
  return fatal ?? lines[lines.length - 1] ?? '';
}
