import { z } from 'zod';

/**
 * The inventory contract (apiVersion kinstall/v1alpha1). Field names are public API: renaming one
 * breaks users' files. Structural rules live here; rules that need several fields at once
 * (overlaps, duplicates, version tables) live in validate.ts so each can point at its own line.
 */

const port = z.number().int().min(1).max(65535);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const hostKeyPolicies = ['strict', 'accept-new'] as const;

/** SSH settings: cluster-wide defaults under `ssh`, and per-host overrides under `hosts[].ssh`. */
export const sshSchema = z
  .strictObject({
    user: z.string().min(1).describe('Login user; non-root users go through sudo'),
    port: port.describe('SSH port'),
    identityFile: z.string().min(1).describe('Private key file (~ is expanded)'),
    agent: z.boolean().describe('Use the SSH agent at $SSH_AUTH_SOCK'),
    passwordEnv: z.string().min(1).describe('Name of the environment variable holding the login password'),
    sudoPasswordEnv: z.string().min(1).describe('Name of the environment variable holding the sudo password'),
    knownHostsFile: z.string().min(1).describe('known_hosts file used to verify host keys (~ is expanded; relative paths are relative to the inventory file)'),
    hostKeyPolicy: z.enum(hostKeyPolicies).describe('strict: unknown host keys are an error; accept-new: unknown keys are recorded, changed keys are still an error'),
    connectTimeoutSeconds: z.number().int().min(1).max(600).describe('TCP connect and SSH handshake timeout'),
    allowSha1Rsa: z.boolean().describe('Also accept ssh-rsa host key signatures (SHA-1); off by default, for old servers only'),
    bastion: z
      .strictObject({
        address: z.string().min(1).describe('Jump host address'),
        user: z.string().min(1).optional().describe('Jump host login user; defaults to the host user'),
        port: port.optional().describe('Jump host SSH port; default 22'),
        identityFile: z.string().min(1).optional().describe('Private key for the jump host; defaults to the host key'),
        passwordEnv: z.string().min(1).optional().describe('Name of the environment variable holding the jump host password (the host password is never sent to the jump host)'),
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
  labels: z.record(z.string(), z.string()).optional().describe('Node labels applied after the node joins'),
  taints: z
    .array(z.strictObject({ key: z.string(), value: z.string().optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }))
    .optional()
    .describe('Node taints, set at kubeadm init/join and kept converged'),
});
export type HostSpec = z.infer<typeof hostSchema>;

export const containerdSources = ['package', 'binary'] as const;

export const kubernetesSchema = z.strictObject({
  version: z.string().min(1).describe('Exact Kubernetes patch version, e.g. 1.28.15'),
  imageRepository: z.string().min(1).default('registry.k8s.io').describe('Registry (and path) the control-plane images are pulled from'),
  packageRepository: z
    .string()
    .url()
    .default('https://pkgs.k8s.io/core:/stable:')
    .describe('Base URL of the Kubernetes package repository; /v<minor>/deb/ or /v<minor>/rpm/ is appended'),
  podSubnet: z.string().default('10.244.0.0/16').describe('Pod network CIDR'),
  serviceSubnet: z.string().default('10.96.0.0/12').describe('Service network CIDR'),
  controlPlaneEndpoint: z
    .string()
    .min(1)
    .optional()
    .describe('Shared API endpoint (host:port, e.g. a load balancer); required with more than one control-plane host'),
  clusterDomain: z.string().default('cluster.local').describe('Cluster DNS domain'),
});
export type KubernetesSpec = z.infer<typeof kubernetesSchema>;

export const containerdSchema = z
  .strictObject({
    version: z.string().min(1).optional().describe('Pinned containerd version; default: the newest the OS repo offers, checked against the table'),
    source: z.enum(containerdSources).default('package').describe('package: the OS package; binary: the upstream release tarball'),
    binaryUrl: z.string().optional().describe('URL template for source: binary; {version} and {arch} are substituted'),
    binarySha256: z
      .union([sha256Hex, z.record(z.string(), sha256Hex)])
      .optional()
      .describe('SHA-256 of the binary tarball, or a map of Go architecture (amd64, arm64) to SHA-256 when hosts differ'),
    registryMirrors: z
      .record(z.string(), z.array(z.string().url()).min(1))
      .default({})
      .describe('Registry host → mirror URLs, written to /etc/containerd/certs.d/<registry>/hosts.toml'),
  })
  .default({ source: 'package', registryMirrors: {} });
export type ContainerdSpec = z.infer<typeof containerdSchema>;

export const inventorySchema = z.strictObject({
  apiVersion: z.literal('kinstall/v1alpha1').describe('Inventory format version'),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
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
      allowDisable: z.boolean().default(false).describe('Let preflight --fix disable a firewall instead of only opening ports'),
    })
    .default({ allowDisable: false }),
  preflight: z
    .strictObject({ ignore: z.array(z.string()).default([]).describe('Check ids downgraded from fail to warn') })
    .default({ ignore: [] }),
});

export type Inventory = z.infer<typeof inventorySchema>;
