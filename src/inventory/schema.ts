import { z } from 'zod';
import {
  architectures,
  binaryUrlTemplate,
  checkId,
  dns1123Label,
  dns1123Subdomain,
  envVarName,
  hostPort,
  httpUrl,
  imageReference,
  imageRepository,
  interfaceName,
  inventoryNodeLabel,
  reservedKubernetesPorts,
  unicastIPv4,
  labelValue,
  localPath,
  packageVersion,
  posixUserName,
  qualifiedName,
  registryKey,
  sha256Hex,
  sshAddress,
  taintEffects,
  type Grammar,
} from './grammar.js';

/**
 * The inventory contract (apiVersion kinstall/v1alpha1). Field names are public API: renaming one
 * breaks users' files. Structural rules live here; rules that need several fields at once
 * (overlaps, duplicates, version tables) live in validate.ts so each can point at its own line.
 */

const port = z.number().int().min(1).max(65535);

/**
 * A string held to one grammar (src/inventory/grammar.ts). The refusal carries its hint in the
 * issue's params, which schema-issues.ts turns into the problem's `hint:` line.
 */
export function grammarString(...grammars: Grammar[]): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    for (const grammar of grammars) {
      const error = grammar(value);
      if (error) {
        ctx.addIssue({ code: 'custom', message: error.message, params: { hint: error.hint } });
        return;
      }
    }
  });
}
const nonEmpty: Grammar = (value) => (value.length === 0 ? { message: 'must not be empty' } : undefined);

/** binarySha256: one SHA-256, or one per architecture when the hosts differ (see sha256For). */
const sha256 = grammarString(sha256Hex);

export const hostKeyPolicies = ['strict', 'accept-new'] as const;

/** SSH settings: cluster-wide defaults under `ssh`, and per-host overrides under `hosts[].ssh`. */
export const sshSchema = z
  .strictObject({
    user: grammarString(nonEmpty, posixUserName).describe('Login user; non-root users go through sudo'),
    port: port.describe('SSH port'),
    identityFile: grammarString(nonEmpty, localPath).describe('Private key file (~ is expanded)'),
    agent: z.boolean().describe('Use the SSH agent at $SSH_AUTH_SOCK'),
    passwordEnv: grammarString(envVarName).describe('Name of the environment variable holding the login password'),
    sudoPasswordEnv: grammarString(envVarName).describe('Name of the environment variable holding the sudo password'),
    knownHostsFile: grammarString(nonEmpty, localPath).describe('known_hosts file used to verify host keys (~ is expanded; relative paths are relative to the inventory file)'),
    hostKeyPolicy: z.enum(hostKeyPolicies).describe('strict: unknown host keys are an error; accept-new: unknown keys are recorded, changed keys are still an error'),
    connectTimeoutSeconds: z.number().int().min(1).max(600).describe('TCP connect and SSH handshake timeout'),
    allowSha1Rsa: z.boolean().describe('Also accept ssh-rsa host key signatures (SHA-1); off by default, for old servers only'),
    bastion: z
      .strictObject({
        address: grammarString(nonEmpty, sshAddress).describe('Jump host address (IPv4 or DNS name)'),
        user: grammarString(nonEmpty, posixUserName).optional().describe('Jump host login user; defaults to the host user'),
        port: port.optional().describe('Jump host SSH port; default 22'),
        identityFile: grammarString(nonEmpty, localPath).optional().describe('Private key for the jump host; defaults to the host key'),
        passwordEnv: grammarString(envVarName).optional().describe('Name of the environment variable holding the jump host password (the host password is never sent to the jump host)'),
      })
      .describe('Jump host every connection goes through'),
  })
  .partial();
export type SshSettings = z.infer<typeof sshSchema>;

export const roles = ['control-plane', 'worker'] as const;
export type Role = (typeof roles)[number];

export const hostSchema = z.strictObject({
  name: z.string().min(1).describe('Node name; also set as the hostname unless setHostname is false'),
  address: z.string().min(1).describe('Address kinstall connects to over SSH'),
  internalAddress: z.string().min(1).optional().describe('Address the cluster uses (advertise/node IP); defaults to address'),
  roles: z.array(z.enum(roles)).min(1).describe('control-plane and/or worker'),
  setHostname: z.boolean().optional().describe('Set the machine hostname to name (default true)'),
  ssh: sshSchema.optional().describe('Overrides of the cluster-wide ssh settings for this host'),
  labels: z
    .record(grammarString(qualifiedName, inventoryNodeLabel), grammarString(labelValue))
    .optional()
    .describe('Node labels ([prefix/]name: value); keys kubelet may set go in at registration, the others are set with kubectl after it'),
  taints: z
    .array(
      z.strictObject({
        key: grammarString(qualifiedName).describe('Taint key ([prefix/]name)'),
        value: grammarString(labelValue).optional().describe('Taint value (label value grammar)'),
        effect: z.enum(taintEffects).describe('NoSchedule, PreferNoSchedule or NoExecute'),
      }),
    )
    .superRefine((taints, ctx) => {
      // pkg/apis/core/validation validateNodeTaints: "taints must be unique by key and effect pair".
      const seen = new Set<string>();
      taints.forEach((taint, index) => {
        const id = `${taint.key}:${taint.effect}`;
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate taint ${taint.key}:${taint.effect} (taints must be unique by key and effect)` });
        seen.add(id);
      });
    })
    .optional()
    .describe('Node taints, like kubectl taint: {key, value?, effect}'),
});
export type HostSpec = z.infer<typeof hostSchema>;
/** One entry of hosts[].taints (Kubernetes' v1.Taint without timeAdded). */
export type Taint = NonNullable<HostSpec['taints']>[number];

/** The node-local balancer's default port: k0s's NLLB default (7443), clear of the API server's 6443. */
export const defaultNodeLocalPort = 7443;

/**
 * kubernetes.apiEndpoint: the API endpoint kinstall builds when there is no external load
 * balancer (docs/inventory.md "API endpoint"). Exactly one of nodeLocal / kubeVip.
 */
export const apiEndpointSchema = z
  .strictObject({
    nodeLocal: z
      .strictObject({
        port: port
          .superRefine((value, ctx) => {
            if ((reservedKubernetesPorts as readonly number[]).includes(value)) {
              ctx.addIssue({
                code: 'custom',
                message: `port ${value} is used by Kubernetes itself on every node or control plane (${reservedKubernetesPorts.join(', ')})`,
                params: { hint: `the balancer listens on 127.0.0.1 on EVERY node, control planes included, where the API server already holds 6443: keep the default ${defaultNodeLocalPort}` },
              });
            }
          })
          .default(defaultNodeLocalPort)
          .describe(`Port the balancer listens on at 127.0.0.1 on every node (default ${defaultNodeLocalPort}; not 6443, which the API server holds on control planes)`),
      })
      .describe('haproxy on every node at 127.0.0.1:port, balancing to every control plane\'s API server with health checks'),
    kubeVip: z
      .strictObject({
        address: grammarString(unicastIPv4).describe('The virtual IP: a free address in the control planes\' subnet'),
        interface: grammarString(interfaceName).describe('Interface on the control planes that holds the VIP and answers ARP for it, e.g. eth0'),
        image: grammarString(imageReference).describe('kube-vip image with a tag or digest, e.g. ghcr.io/kube-vip/kube-vip:v0.8.9'),
      })
      .describe('A virtual IP held by one control plane at a time (kube-vip static pod, ARP mode); needs a layer-2 network'),
  })
  .partial()
  .superRefine((value, ctx) => {
    const chosen = (['nodeLocal', 'kubeVip'] as const).filter((k) => value[k] !== undefined);
    if (chosen.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: chosen.length === 0 ? 'apiEndpoint names no endpoint' : 'apiEndpoint has both nodeLocal and kubeVip',
        params: { hint: 'write exactly one: nodeLocal: {} (a balancer on every node) or kubeVip: {address, interface, image} (a virtual IP)' },
      });
    }
  });
export type ApiEndpointSpec = z.infer<typeof apiEndpointSchema>;

export const containerdSources = ['package', 'binary'] as const;

export const kubernetesSchema = z.strictObject({
  version: z.string().min(1).describe('Exact Kubernetes patch version, e.g. 1.28.15'),
  imageRepository: grammarString(nonEmpty, imageRepository).default('registry.k8s.io').describe('Registry (and path) the control-plane images are pulled from'),
  packageRepository: grammarString(httpUrl)
    .default('https://pkgs.k8s.io/core:/stable:')
    .describe('Base URL of the Kubernetes package repository; /v<minor>/deb/ or /v<minor>/rpm/ is appended'),
  podSubnet: z.string().default('10.244.0.0/16').describe('Pod network CIDR'),
  serviceSubnet: z.string().default('10.96.0.0/12').describe('Service network CIDR'),
  controlPlaneEndpoint: grammarString(nonEmpty, hostPort)
    .optional()
    .describe('Shared API endpoint (host:port, e.g. a load balancer); with more than one control-plane host, this or apiEndpoint is required'),
  apiEndpoint: apiEndpointSchema
    .optional()
    .describe('An API endpoint kinstall builds when there is no load balancer: nodeLocal (haproxy on every node) or kubeVip (a virtual IP); not with controlPlaneEndpoint'),
  clusterDomain: grammarString(dns1123Subdomain).default('cluster.local').describe('Cluster DNS domain'),
});
export type KubernetesSpec = z.infer<typeof kubernetesSchema>;

export const containerdSchema = z
  .strictObject({
    version: grammarString(nonEmpty, packageVersion).optional().describe('Pinned containerd version; default: the newest the OS repo offers, checked against the table'),
    source: z.enum(containerdSources).default('package').describe('package: the OS package; binary: the upstream release tarball'),
    binaryUrl: grammarString(binaryUrlTemplate).optional().describe('URL template for source: binary; {version} and {arch} are substituted'),
    binarySha256: z
      .union([sha256, z.partialRecord(z.enum(architectures), sha256)])
      .optional()
      .describe('SHA-256 of the binary tarball, or a map architecture (amd64, arm64, ppc64le, s390x) → SHA-256 when the hosts differ'),
    registryMirrors: z
      .record(grammarString(registryKey), z.array(grammarString(httpUrl)).min(1))
      .default({})
      .describe('Registry host → mirror URLs, written to /etc/containerd/certs.d/<registry>/hosts.toml'),
  })
  .default({ source: 'package', registryMirrors: {} });
export type ContainerdSpec = z.infer<typeof containerdSchema>;

export const inventorySchema = z.strictObject({
  apiVersion: z.literal('kinstall/v1alpha1').describe('Inventory format version'),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({
    name: grammarString(dns1123Label)
      .describe('Cluster name (lowercase letters, digits and -)'),
  }),
  ssh: sshSchema.optional().describe('SSH defaults for every host; a host may override any field'),
  hosts: z.array(hostSchema).min(1).describe('Machines of the cluster'),
  kubernetes: kubernetesSchema,
  containerd: containerdSchema,
  network: z
    .strictObject({ plugin: z.enum(['flannel', 'none']).default('flannel').describe('Pod network add-on; none: install your own') })
    .default({ plugin: 'flannel' }),
  addons: z
    .strictObject({
      dashboard: z
        .strictObject({ enabled: z.boolean().default(false).describe('Install the Kubernetes dashboard') })
        .default({ enabled: false }),
    })
    .default({ dashboard: { enabled: false } }),
  firewall: z
    .strictObject({
      /** Opening ports is always allowed with --fix; disabling the firewall only with this set. */
      // kinstall never disables a firewall: --fix opens the role's ports in firewalld and ufw and
      // leaves raw iptables/nftables rules to the operator. The field stays so existing inventories
      // with `allowDisable: false` keep loading; `true` is refused rather than silently ignored.
      allowDisable: z
        .boolean()
        .superRefine((value, ctx) => {
          if (value) {
            ctx.addIssue({
              code: 'custom',
              message: 'firewall.allowDisable: true is not supported: kinstall never disables a firewall',
              params: { hint: 'remove the field; kinstall preflight --fix opens the needed ports in firewalld or ufw, other firewalls are left to you (docs/checks.md, firewall)' },
            });
          }
        })
        .default(false)
        .describe('Must be false (or absent): kinstall never disables a firewall; preflight --fix only opens ports'),
    })
    .default({ allowDisable: false }),
  preflight: z
    .strictObject({ ignore: z.array(grammarString(checkId)).default([]).describe('Check ids downgraded from fail to warn') })
    .default({ ignore: [] }),
});

export type Inventory = z.infer<typeof inventorySchema>;

/**
 * The SHA-256 of the containerd release tarball for one host's architecture (a Go/Debian name:
 * amd64, arm64, ppc64le, s390x): the single string when binarySha256 is one, else the map's entry
 * for `arch`; undefined when none is given for that architecture.
 */
export function sha256For(spec: Pick<ContainerdSpec, 'binarySha256'>, arch: string): string | undefined {
  const sha = spec.binarySha256;
  if (sha === undefined || typeof sha === 'string') return sha;
  return (sha as Partial<Record<string, string>>)[arch];
}
