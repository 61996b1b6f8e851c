/** kube-apiserver flags kubeadm's static pod manifest passes (1.28-1.30), plus common extras. */
export const KNOWN_APISERVER_FLAGS = new Set([
  'advertise-address', 'allow-privileged', 'authorization-mode', 'client-ca-file', 'enable-admission-plugins',
  'disable-admission-plugins', 'enable-bootstrap-token-auth', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'etcd-servers',
  'kubelet-client-certificate', 'kubelet-client-key', 'kubelet-preferred-address-types', 'proxy-client-cert-file',
  'proxy-client-key-file', 'requestheader-allowed-names', 'requestheader-client-ca-file', 'requestheader-extra-headers-prefix',
  'requestheader-group-headers', 'requestheader-username-headers', 'secure-port', 'service-account-issuer',
  'service-account-key-file', 'service-account-signing-key-file', 'service-cluster-ip-range', 'tls-cert-file',
  'tls-private-key-file', 'bind-address', 'anonymous-auth', 'audit-log-path', 'audit-policy-file', 'feature-gates',
  'v', 'profiling', 'runtime-config', 'encryption-provider-config', 'event-ttl', 'service-node-port-range',
  'insecure-port', 'kubelet-certificate-authority', 'tls-min-version', 'tls-cipher-suites', 'endpoint-reconciler-type',
]);

/** `--name=value` or `--name value`; an unknown flag is the real `Error: unknown flag: --x`. */
export function parseApiserverFlags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`Error: unknown command "${a}" for "kube-apiserver"`);
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (!KNOWN_APISERVER_FLAGS.has(name)) throw new Error(`Error: unknown flag: --${name}`);
    let value: string;
    if (eq !== -1) value = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
    else value = 'true';
    out.set(name, value);
  }
  return out;
}
