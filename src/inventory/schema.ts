import { z } from 'zod';

/**
 * The inventory contract (apiVersion kinstall/v1alpha1). Field names are public API: renaming one
 * breaks users' files. Structural rules live here; rules that need several fields at once
 * (overlaps, duplicates, version tables) live in validate.ts so each can point at its own line.
 */

const port = z.number().int().min(1).max(65535);

export const hostKeyPolicies = ['strict', 'accept-new'] as const;

/** SSH settings: cluster-wide defaults under `ssh`, and per-host overrides under `hosts[].ssh`. */
export const sshSchema = z
  .strictObject({
    user: z.string().min(1).describe('Login user; non-root users go through sudo'),
    port: port,
    identityFile: z.string().min(1).describe('Private key file (~ is expanded)'),
    agent: z.boolean().describe('Use the SSH agent at $SSH_AUTH_SOCK'),
    passwordEnv: z.string().min(1).describe('Name of the environment variable holding the login password'),
    sudoPasswordEnv: z.string().min(1).describe('Name of the environment variable holding the sudo password'),
    knownHostsFile: z.string().min(1),
    hostKeyPolicy: z.enum(hostKeyPolicies),
    connectTimeoutSeconds: z.number().int().min(1).max(600),
    bastion: z.strictObject({
      address: z.string().min(1),
      user: z.string().min(1).optional(),
      port: port.optional(),
      identityFile: z.string().min(1).optional(),
    }),
  })
  .partial();
export type SshSettings = z.infer<typeof sshSchema>;

export const roles = ['control-plane', 'worker'] as const;
export type Role = (typeof roles)[number];

export const hostSchema = z.strictObject({
  name: z.string().min(1).describe('Node name; also set as the hostname unless setHostname is false'),
  address: z.string().min(1).describe('Address kinstall connects to over SSH'),
  internalAddress: z.string().min(1).optional().describe('Address the cluster uses (advertise/node IP); defaults to address'),
  roles: z.array(z.enum(roles)).min(1),
  setHostname: z.boolean().optional(),
  ssh: sshSchema.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type HostSpec = z.infer<typeof hostSchema>;

export const containerdSources = ['package', 'binary'] as const;

export const inventorySchema = z.strictObject({
  apiVersion: z.literal('kinstall/v1alpha1'),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label') }),
  ssh: sshSchema.optional(),
  hosts: z.array(hostSchema).min(1),
  kubernetes: z.strictObject({
    version: z.string().min(1).describe('Exact Kubernetes patch version, e.g. 1.28.15'),
    imageRepository: z.string().min(1).default('registry.k8s.io'),
    packageRepository: z.string().url().default('https://pkgs.k8s.io/core:/stable:'),
    podSubnet: z.string().default('10.244.0.0/16'),
    serviceSubnet: z.string().default('10.96.0.0/12'),
    controlPlaneEndpoint: z.string().min(1).optional(),
    clusterDomain: z.string().default('cluster.local'),
  }),
  containerd: z
    .strictObject({
      version: z.string().min(1).optional().describe('Pinned containerd version; default: the newest the OS repo offers, checked against the table'),
      source: z.enum(containerdSources).default('package'),
      /** URL template for source: binary; {version} and {arch} are substituted. */
      binaryUrl: z.string().optional(),
      binarySha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      registryMirrors: z.record(z.string(), z.array(z.string().url()).min(1)).default({}),
    })
    .default({ source: 'package', registryMirrors: {} }),
  network: z.strictObject({ plugin: z.enum(['flannel', 'none']).default('flannel') }).default({ plugin: 'flannel' }),
  addons: z
    .strictObject({
      dashboard: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
    })
    .default({ dashboard: { enabled: false } }),
  firewall: z
    .strictObject({
      /** Opening ports is always allowed with --fix; disabling the firewall only with this set. */
      allowDisable: z.boolean().default(false),
    })
    .default({ allowDisable: false }),
  preflight: z.strictObject({ ignore: z.array(z.string()).default([]) }).default({ ignore: [] }),
});

export type Inventory = z.infer<typeof inventorySchema>;
