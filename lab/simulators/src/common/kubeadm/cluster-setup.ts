import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ApiError, KubeClient } from '../kube-client.js';
import { buildKubeconfig } from '../kubeconfig.js';
import { taintToString } from '../labels.js';
import { serviceIP, parseCidr, type Obj } from './config.js';
import type { Io } from './output.js';
import { PhaseError } from './output.js';
import { hostPath } from './paths.js';
import { decryptWithKey, encryptWithKey, tokenSecret } from './tokens.js';
import { componentTags, DEFAULT_IMAGE_REPOSITORY, type Semver } from './versions.js';

const RBAC = 'rbac.authorization.k8s.io';
const crPath = `/apis/${RBAC}/v1/clusterroles`;
const crbPath = `/apis/${RBAC}/v1/clusterrolebindings`;
const rolePath = (ns: string) => `/apis/${RBAC}/v1/namespaces/${ns}/roles`;
const rbPath = (ns: string) => `/apis/${RBAC}/v1/namespaces/${ns}/rolebindings`;
const cmPath = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

const subjectGroup = (name: string) => ({ apiGroup: RBAC, kind: 'Group', name });
const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleKind: 'ClusterRole' | 'Role', role: string, subjects: Obj[], ns?: string) => ({
  apiVersion: `${RBAC}/v1`, kind, metadata: { name, ...(ns ? { namespace: ns } : {}) }, roleRef: { apiGroup: RBAC, kind: roleKind, name: role }, subjects,
});

/** 1.29+: admin.conf's group kubeadm:cluster-admins is bound to cluster-admin (created with super-admin.conf). */
export async function ensureClusterAdminsBinding(api: KubeClient, k8s: Semver): Promise<void> {
  if (k8s.minor < 29) return;
  await api.apply(crbPath, binding('ClusterRoleBinding', 'kubeadm:cluster-admins', 'ClusterRole', 'cluster-admin', [subjectGroup('kubeadm:cluster-admins')]));
}

/** A kube-system ConfigMap plus the Role and RoleBinding that let `readerGroups` get it, as kubeadm publishes its configs. */
async function publishReadableConfigMap(api: KubeClient, name: string, data: Record<string, string>, role: string, readerGroups: string[]): Promise<void> {
  await api.apply(cmPath('kube-system'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kube-system' }, data });
  await api.apply(rolePath('kube-system'), { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: role, namespace: 'kube-system' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: ['get'] }] });
  await api.apply(rbPath('kube-system'), binding('RoleBinding', role, 'Role', role, readerGroups.map(subjectGroup), 'kube-system'));
}

/** [upload-config]: kubeadm-config and kubelet-config ConfigMaps plus the RBAC to read them. */
export async function uploadConfig(api: KubeClient, cluster: Obj, kubelet: Obj, io: Io): Promise<void> {
  io.out('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace');
  await publishReadableConfigMap(api, 'kubeadm-config', { ClusterConfiguration: YAML.stringify(cluster) }, 'kubeadm:nodes-kubeadm-config',
    ['system:bootstrappers:kubeadm:default-node-token', 'system:nodes']);
  io.out('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster');
  await publishReadableConfigMap(api, 'kubelet-config', { kubelet: YAML.stringify(kubelet) }, 'kubeadm:kubelet-config',
    ['system:nodes', 'system:bootstrappers:kubeadm:default-node-token']);
}

/** The files control-plane join needs, as named in the kubeadm-certs Secret. */
const SHARED_CERTS: Array<[string, string]> = [
  ['ca.crt', 'ca.crt'], ['ca.key', 'ca.key'], ['sa.key', 'sa.key'], ['sa.pub', 'sa.pub'],
  ['front-proxy-ca.crt', 'front-proxy-ca.crt'], ['front-proxy-ca.key', 'front-proxy-ca.key'],
  ['etcd-ca.crt', 'etcd/ca.crt'], ['etcd-ca.key', 'etcd/ca.key'],
];

/** [upload-certs]: the shared CA/SA files, AES-GCM sealed with the certificate key. */
export async function uploadCerts(api: KubeClient, pkiDir: string, certificateKey: string, io: Io): Promise<void> {
  io.out('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
  const data: Record<string, string> = {};
  for (const [key, file] of SHARED_CERTS) {
    data[key] = encryptWithKey(fs.readFileSync(hostPath(path.join(pkiDir, file))), certificateKey).toString('base64');
  }
  const expires = new Date(Date.now() + 2 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await api.apply('/api/v1/namespaces/kube-system/secrets', { apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: 'kubeadm-certs', namespace: 'kube-system', annotations: { 'kubeadm.kubernetes.io/expires': expires } }, data });
  await api.apply(rolePath('kube-system'), { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'kubeadm:kubeadm-certs', namespace: 'kube-system' },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kubeadm-certs'], verbs: ['get'] }] });
  await api.apply(rbPath('kube-system'), binding('RoleBinding', 'kubeadm:kubeadm-certs', 'Role', 'kubeadm:kubeadm-certs',
    [subjectGroup('system:bootstrappers:kubeadm:default-node-token')], 'kube-system'));
  io.out('[upload-certs] Using certificate key:');
  io.out(certificateKey);
}

/** Control-plane join: fetch kubeadm-certs, decrypt with the key, write the shared files. */
export async function downloadCerts(api: KubeClient, pkiDir: string, certificateKey: string, io: Io): Promise<void> {
  io.out('[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
  let secret: Obj;
  try {
    secret = await api.get('/api/v1/namespaces/kube-system/secrets/kubeadm-certs');
  } catch (e) {
    throw new PhaseError('control-plane-prepare/download-certs', `error downloading certs: error downloading the secret: ${(e as Error).message}`);
  }
  for (const [key, file] of SHARED_CERTS) {
    const sealed = secret.data?.[key];
    if (!sealed) throw new PhaseError('control-plane-prepare/download-certs', `error downloading certs: the Secret does not include the required certificate or key - name: ${key}`);
    let plain: Buffer;
    try {
      plain = decryptWithKey(Buffer.from(sealed, 'base64'), certificateKey);
    } catch (e) {
      throw new PhaseError('control-plane-prepare/download-certs', `error downloading certs: error decoding secret data with provided key: ${(e as Error).message}`);
    }
    const dest = hostPath(path.join(pkiDir, file));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, plain, { mode: key.endsWith('.key') ? 0o600 : 0o644 });
  }
}

/**
 * [mark-control-plane]: waits for the kubelet-registered Node, then labels and taints it, as
 * cmd/kubeadm/app/phases/markcontrolplane/markcontrolplane.go does: the configured taints first,
 * then the node's own taints that match none of them by key and effect; the taint line is printed
 * only when there are taints (`taints: []` adds none).
 */
export async function markControlPlane(api: KubeClient, nodeName: string, taints: Obj[], io: Io, timeoutMs = 240_000): Promise<void> {
  io.out(`[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]`);
  if (taints.length > 0) io.out(`[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the taints [${taints.map((t) => taintToString(t as { key: string })).join(' ')}]`);
  const start = Date.now();
  for (;;) {
    try {
      const node = await api.get(`/api/v1/nodes/${nodeName}`);
      const existing: Obj[] = node.spec?.taints ?? [];
      const merged = [...taints, ...existing.filter((e) => !taints.some((t) => e.key === t.key && e.effect === t.effect))];
      await api.must('PATCH', `/api/v1/nodes/${nodeName}`, {
        metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } },
        spec: { taints: merged.length ? merged : null },
      }, 'application/merge-patch+json');
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    if (Date.now() - start > timeoutMs) throw new PhaseError('mark-control-plane', 'timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** [bootstrap-token]: token Secret, RBAC for joining nodes, cluster-info in kube-public. */
export async function bootstrapTokens(api: KubeClient, tokens: Obj[], server: string, caPem: string, io: Io): Promise<void> {
  io.out(`[bootstrap-token] Using token: ${tokens[0]?.token}`);
  io.out('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles');
  for (const t of tokens) {
    await api.apply('/api/v1/namespaces/kube-system/secrets', tokenSecret({ token: t.token, ttl: t.ttl, description: t.description, usages: t.usages, groups: t.groups }) as { metadata: { name: string } });
  }
  await api.apply(crPath, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'kubeadm:get-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] });
  await api.apply(crbPath, binding('ClusterRoleBinding', 'kubeadm:get-nodes', 'ClusterRole', 'kubeadm:get-nodes', [subjectGroup('system:bootstrappers:kubeadm:default-node-token')]));
  io.out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes');
  await api.apply(crbPath, binding('ClusterRoleBinding', 'kubeadm:kubelet-bootstrap', 'ClusterRole', 'system:node-bootstrapper', [subjectGroup('system:bootstrappers:kubeadm:default-node-token')]));
  io.out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials');
  await api.apply(crbPath, binding('ClusterRoleBinding', 'kubeadm:node-autoapprove-bootstrap', 'ClusterRole', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [subjectGroup('system:bootstrappers:kubeadm:default-node-token')]));
  io.out('[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token');
  await api.apply(crbPath, binding('ClusterRoleBinding', 'kubeadm:node-autoapprove-certificate-rotation', 'ClusterRole', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [subjectGroup('system:nodes')]));
  io.out('[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster');
  io.out('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace');
  const kubeconfig = buildKubeconfig({ server, caPem, user: '', cluster: '' });
  // cluster-info carries only the cluster entry (no users, no contexts), as kubeadm writes it.
  const doc = YAML.parse(kubeconfig) as Obj;
  const clusterInfo = YAML.stringify({ apiVersion: 'v1', clusters: [{ cluster: doc.clusters[0].cluster, name: '' }], contexts: null, 'current-context': '', kind: 'Config', preferences: {}, users: null });
  await api.apply(cmPath('kube-public'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfo } });
  await api.apply(rolePath('kube-public'), { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }] });
  await api.apply(rbPath('kube-public'), binding('RoleBinding', 'kubeadm:bootstrap-signer-clusterinfo', 'Role', 'kubeadm:bootstrap-signer-clusterinfo',
    [{ apiGroup: RBAC, kind: 'User', name: 'system:anonymous' }], 'kube-public'));
}

/** [addons]: CoreDNS and kube-proxy as plain objects (the simulator's controller schedules them). */
export async function addons(api: KubeClient, cluster: Obj, kubeProxy: Obj, k8s: Semver, server: string, io: Io, kubeadm: Semver = k8s, which = { coredns: true, kubeProxy: true }): Promise<void> {
  const repo = String(cluster.imageRepository);
  const tags = componentTags(k8s, kubeadm);
  const corednsImage = `${cluster.dns?.imageRepository ?? (repo === DEFAULT_IMAGE_REPOSITORY ? `${repo}/coredns` : repo)}/coredns:${cluster.dns?.imageTag ?? tags.coredns}`;
  const dnsIp = serviceIP(parseCidr(String(cluster.networking.serviceSubnet))!, 10);
  const ks = '/api/v1/namespaces/kube-system';
  const cpToleration = [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }];
  if (which.coredns && !cluster.dns?.disabled) {
    await api.apply(`${ks}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } });
    await api.apply(`${ks}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' },
      data: { Corefile: `.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes ${cluster.networking.dnsDomain} in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n` } });
    await api.apply('/apis/apps/v1/namespaces/kube-system/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: { metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: { serviceAccountName: 'coredns', priorityClassName: 'system-cluster-critical', tolerations: cpToleration, nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{ name: 'coredns', image: corednsImage, args: ['-conf', '/etc/coredns/Corefile'] }] } } } });
    await api.apply(`${ks}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { clusterIP: dnsIp, selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }] } });
    io.out('[addons] Applied essential addon: CoreDNS');
  }
  if (!which.kubeProxy) return;
  await api.apply(`${ks}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kube-proxy', namespace: 'kube-system' } });
  await api.apply(`${ks}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: { 'config.conf': YAML.stringify(kubeProxy), 'kubeconfig.conf': YAML.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ cluster: { 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', server }, name: 'default' }],
      contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }], 'current-context': 'default', users: [{ name: 'default', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }] }) } });
  await api.apply('/apis/apps/v1/namespaces/kube-system/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' } },
    spec: { selector: { matchLabels: { 'k8s-app': 'kube-proxy' } }, template: { metadata: { labels: { 'k8s-app': 'kube-proxy' } },
      spec: { serviceAccountName: 'kube-proxy', hostNetwork: true, priorityClassName: 'system-node-critical', tolerations: [{ operator: 'Exists' }], nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [{ name: 'kube-proxy', image: `${repo}/kube-proxy:v${k8s.major}.${k8s.minor}.${k8s.patch}`, command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'] }] } } } });
  io.out('[addons] Applied essential addon: kube-proxy');
}
