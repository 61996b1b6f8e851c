/** What `kubeadm token create --print-join-command` prints, parsed. */
export interface JoinCommand {
  apiServerEndpoint: string;
  token: string;
  caCertHash: string;
}

/**
 * Parses `kubeadm join HOST:PORT --token T --discovery-token-ca-cert-hash sha256:H [...]`.
 * Tolerates extra lines (warnings) and flag=value spelling; throws on anything incomplete so a
 * changed kubeadm output format fails loudly instead of joining with garbage.
 */
export function parseJoinCommand(output: string): JoinCommand {
  const line = output.split('\n').find((l) => /^\s*kubeadm join\s/.test(l));
  if (!line) throw new Error('kubeadm did not print a join command');
  const words = line.trim().split(/\s+/);
  const flag = (name: string): string | undefined => {
    const i = words.findIndex((w) => w === name || w.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const w = words[i]!;
    return w.includes('=') ? w.slice(w.indexOf('=') + 1) : words[i + 1];
  };
  const apiServerEndpoint = words[2];
  const token = flag('--token');
  const caCertHash = flag('--discovery-token-ca-cert-hash');
  if (!apiServerEndpoint || apiServerEndpoint.startsWith('--')) throw new Error('the join command has no API server endpoint');
  if (!token || !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) throw new Error('the join command has no valid --token');
  if (!caCertHash || !/^sha256:[0-9a-f]{64}$/.test(caCertHash)) throw new Error('the join command has no valid --discovery-token-ca-cert-hash');
  return { apiServerEndpoint, token, caCertHash };
}
