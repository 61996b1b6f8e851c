// kubeadm's stacked-etcd membership work, against the real etcd the lab's kubelet runs:
// `join --control-plane` adds the new member before its static pod exists, `reset` removes it.
// Rules from cmd/kubeadm/app/util/etcd/etcd.go (NewFromCluster, addMember, MemberPromote,
// RemoveMember), cmd/kubeadm/app/phases/etcd/local.go (CreateStackedEtcdStaticPodManifestFile,
// RemoveStackedEtcdMemberFromCluster, getEtcdCommand) and cmd/kubeadm/app/features/features.go.
import path from 'node:path';
import type { Etcd3 } from 'etcd3';
import { etcdClientLazy } from '../lazy.js';
import type { KubeClient } from '../kube-client.js';
import type { Obj } from './config.js';
import type { Io } from './output.js';
import { PhaseError } from './output.js';
import type { Semver } from './versions.js';

/** constants.go EtcdAdvertiseClientUrlsAnnotationKey: set on the etcd static pod, read by NewFromCluster. */
export const ETCD_CLIENT_URLS_ANNOTATION = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';

export interface EtcdMember { name: string; peerURL: string }

/**
 * getEtcdCommand: alone, the member is the initial cluster; joining, --initial-cluster lists every
 * member (the new one included) and --initial-cluster-state=existing.
 */
export function initialClusterFlags(nodeName: string, peerURL: string, members?: EtcdMember[]): Record<string, string> {
  if (!members || members.length === 0) return { 'initial-cluster': `${nodeName}=${peerURL}` };
  return { 'initial-cluster': members.map((m) => `${m.name}=${m.peerURL}`).join(','), 'initial-cluster-state': 'existing' };
}

/**
 * features.go EtcdLearnerMode: alpha (off) in 1.27-1.28, beta (on) from 1.29, GA in 1.32; the
 * ClusterConfiguration's featureGates can turn it on or (before GA) off.
 */
export function etcdLearnerMode(k8s: Semver, featureGates: Obj | undefined): boolean {
  const gate = featureGates?.EtcdLearnerMode;
  if (k8s.minor >= 32) return true;
  if (typeof gate === 'boolean') return gate;
  return k8s.minor >= 29;
}

interface RawMember { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }

/**
 * addMember's returned list: the member just added under the joining node's name (etcd gives it
 * none until it starts), the others by name, or by their hex ID when a concurrent join left one
 * nameless.
 */
export function membersAfterAdd(members: RawMember[], newName: string, newPeerURL: string): EtcdMember[] {
  return members.map((m) => {
    const peerURL = m.peerURLs?.[0] ?? '';
    if (peerURL === newPeerURL) return { name: newName, peerURL };
    return { name: m.name || BigInt(m.ID ?? '0').toString(16), peerURL };
  });
}

/** getEtcdEndpoints: the advertise-client-urls annotation of each etcd static pod in kube-system. */
export function endpointsFromPods(pods: Obj[]): string[] {
  const urls = pods.map((p) => p.metadata?.annotations?.[ETCD_CLIENT_URLS_ANNOTATION]).filter((u): u is string => typeof u === 'string' && u !== '');
  return [...new Set(urls)].sort();
}

/** NewFromCluster: endpoints from the pods, the healthcheck-client certificate, then the member list as the truth. */
export async function etcdFromCluster(api: KubeClient, certificatesDir: string): Promise<{ etcd: Etcd3; endpoints: string[] }> {
  const list = await api.get('/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd%2Ctier%3Dcontrol-plane');
  const endpoints = endpointsFromPods(list?.items ?? []);
  if (endpoints.length === 0) throw new Error('etcd endpoints could not be found: no etcd pods in kube-system carry the etcd.advertise-client-urls annotation');
  const seed = await clientFor(endpoints, certificatesDir);
  try {
    const res = await seed.cluster.memberList({});
    const synced = [...new Set(res.members.flatMap((m) => m.clientURLs ?? []))].sort();
    const use = synced.length ? synced : endpoints;
    return { etcd: await clientFor(use, certificatesDir), endpoints: use };
  } catch (e) {
    throw new Error(`error syncing endpoints with etcd: ${(e as Error).message}`);
  } finally {
    seed.close();
  }
}

function clientFor(endpoints: string[], pki: string): Promise<Etcd3> {
  return etcdClientLazy({
    endpoints, caFile: path.join(pki, 'etcd/ca.crt'),
    certFile: path.join(pki, 'etcd/healthcheck-client.crt'), keyFile: path.join(pki, 'etcd/healthcheck-client.key'),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CreateStackedEtcdStaticPodManifestFile, first half: announce the new member (as a learner when
 * the learner mode is on). A member with this peer URL already there (a join run again) is reused.
 */
export async function addEtcdMember(etcd: Etcd3, name: string, peerURL: string, learner: boolean, io: Io): Promise<EtcdMember[]> {
  // addMember retries with back-off (etcdBackoff): etcd refuses a new voting member while another
  // one just added has not started (`unhealthy cluster`), which concurrent joins run into.
  let members: RawMember[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      members = (await etcd.cluster.memberList({})).members;
      if (!members.some((m) => m.peerURLs?.[0] === peerURL)) {
        members = (await etcd.cluster.memberAdd({ peerURLs: [peerURL], isLearner: learner })).members;
      }
      break;
    } catch (e) {
      if (attempt >= 10) throw new PhaseError('control-plane-join/etcd', `error creating local etcd static pod manifest file: ${(e as Error).message}`);
      await sleep(Math.min(1_000 * 2 ** attempt, 8_000));
    }
  }
  io.out('[etcd] Announced new etcd member joining to the existing etcd cluster');
  return membersAfterAdd(members, name, peerURL);
}

/** The second half: promote the learner once it has caught up (etcd refuses before), then wait for the cluster. */
export async function finishEtcdJoin(etcd: Etcd3, peerURL: string, learner: boolean, io: Io, timeoutMs = 120_000): Promise<void> {
  const start = Date.now();
  if (learner) {
    for (;;) {
      const me = (await etcd.cluster.memberList({}).catch(() => ({ members: [] as RawMember[] }))).members.find((m) => m.peerURLs?.[0] === peerURL);
      if (me && !me.isLearner) break;
      try {
        if (me?.ID) { await etcd.cluster.memberPromote({ ID: me.ID }); break; }
      } catch (e) {
        if (Date.now() - start > timeoutMs) throw new PhaseError('control-plane-join', `etcd member promote: ${(e as Error).message}`);
      }
      await sleep(1_000);
    }
  }
  io.out('[etcd] Waiting for the new etcd member to join the cluster. This can take up to 40s');
  for (;;) {
    // WaitForClusterAvailable: a linearizable read answers only with a quorum that includes the leader.
    try { await etcd.get('/kubeadm-join-probe').exec(); return; } catch (e) {
      if (Date.now() - start > timeoutMs) throw new PhaseError('control-plane-join', `etcd cluster is not available: ${(e as Error).message}`);
    }
    await sleep(1_000);
  }
}

/**
 * RemoveStackedEtcdMemberFromCluster: the member with this node's peer URL leaves; nothing to do
 * when it is the last member and this node's own, or when it was already removed.
 */
export async function removeEtcdMember(etcd: Etcd3, peerURL: string, clientURL: string, endpoints: string[], retries = 15): Promise<'removed' | 'last' | 'absent'> {
  const { members } = await etcd.cluster.memberList({});
  if (members.length === 1 && endpoints.includes(clientURL)) return 'last';
  const me = members.find((m) => (m.peerURLs ?? []).includes(peerURL));
  if (!me) return 'absent';
  // etcd refuses (`unhealthy cluster`) while a member counts as not yet fully connected, or when
  // the removal would cost the quorum; kubeadm's RemoveMember retries with back-off, so do we.
  for (let attempt = 0; ; attempt++) {
    try {
      await etcd.cluster.memberRemove({ ID: me.ID });
      return 'removed';
    } catch (e) {
      if (attempt >= retries) throw e;
      await sleep(2_000);
    }
  }
}
