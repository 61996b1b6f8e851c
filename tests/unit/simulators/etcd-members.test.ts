import { describe, expect, it } from 'vitest';
import {
  ETCD_CLIENT_URLS_ANNOTATION, endpointsFromPods, etcdLearnerMode, initialClusterFlags, membersAfterAdd,
} from '../../../lab/simulators/src/common/kubeadm/etcd-members.js';
import { etcdArgv, etcdExitReason } from '../../../lab/simulators/src/common/etcd/static-pod.js';

const v = (minor: number) => ({ major: 1, minor, patch: 0 });

describe('kubeadm stacked etcd membership (phases/etcd/local.go, util/etcd/etcd.go)', () => {
  it('init: the member alone is the initial cluster, no initial-cluster-state', () => {
    expect(initialClusterFlags('cp1', 'https://10.0.0.1:2380')).toEqual({ 'initial-cluster': 'cp1=https://10.0.0.1:2380' });
  });

  it('join: --initial-cluster lists every member with the new one, and the state is existing', () => {
    const members = membersAfterAdd([
      { ID: '1', name: 'cp1', peerURLs: ['https://10.0.0.1:2380'] },
      { ID: '255', name: '', peerURLs: ['https://10.0.0.9:2380'] },
      { ID: '3', name: '', peerURLs: ['https://10.0.0.2:2380'] },
    ], 'cp2', 'https://10.0.0.2:2380');
    // The nameless other member (a concurrent join) goes by its hex ID.
    expect(members).toEqual([
      { name: 'cp1', peerURL: 'https://10.0.0.1:2380' }, { name: 'ff', peerURL: 'https://10.0.0.9:2380' }, { name: 'cp2', peerURL: 'https://10.0.0.2:2380' },
    ]);
    expect(initialClusterFlags('cp2', 'https://10.0.0.2:2380', members)).toEqual({
      'initial-cluster': 'cp1=https://10.0.0.1:2380,ff=https://10.0.0.9:2380,cp2=https://10.0.0.2:2380', 'initial-cluster-state': 'existing',
    });
  });

  it('learner mode (features.go EtcdLearnerMode): off by default in 1.28, on from 1.29, gate wins until GA in 1.32', () => {
    expect(etcdLearnerMode(v(28), undefined)).toBe(false);
    expect(etcdLearnerMode(v(28), { EtcdLearnerMode: true })).toBe(true);
    expect(etcdLearnerMode(v(29), undefined)).toBe(true);
    expect(etcdLearnerMode(v(30), { EtcdLearnerMode: false })).toBe(false);
    expect(etcdLearnerMode(v(32), { EtcdLearnerMode: false })).toBe(true);
  });

  it('endpoints come from the etcd pods\' advertise-client-urls annotation (getEtcdEndpoints)', () => {
    const pod = (url?: string) => ({ metadata: { annotations: url ? { [ETCD_CLIENT_URLS_ANNOTATION]: url } : {} } });
    expect(endpointsFromPods([pod('https://10.0.0.2:2379'), pod(), pod('https://10.0.0.1:2379'), pod('https://10.0.0.1:2379')]))
      .toEqual(['https://10.0.0.1:2379', 'https://10.0.0.2:2379']);
  });
});

describe('the kubelet simulator\'s etcd static pod', () => {
  it('runs the container\'s command flags (the first word names the binary) and args', () => {
    const pod = { spec: { containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.15-0', command: ['etcd', '--name=cp1', '--data-dir=/var/lib/etcd'], args: ['--x=1'] }] } };
    expect(etcdArgv(pod)).toEqual(['--name=cp1', '--data-dir=/var/lib/etcd', '--x=1']);
    expect(etcdArgv({ spec: { containers: [{ name: 'kube-apiserver', image: 'r/kube-apiserver:v1.28.15', command: ['kube-apiserver'] }] } })).toBeNull();
  });

  it('reports etcd\'s own reason for exiting: an unknown flag (3.4 Go flag), a fatal log line (3.4 capnslog, 3.5 zap)', () => {
    expect(etcdExitReason('flag provided but not defined: -experimental-foo\nUsage:\n\n  etcd [flags]\n')).toBe('flag provided but not defined: -experimental-foo');
    expect(etcdExitReason('2026-11-30 02:40:51.814450 I | etcdserver/api: enabled\n2026-11-30 02:40:51.814486 C | etcdmain: KeyFile and CertFile must both be present\n'))
      .toBe('2026-11-30 02:40:51.814486 C | etcdmain: KeyFile and CertFile must both be present');
    expect(etcdExitReason('{"level":"info","msg":"x"}\n{"level":"fatal","msg":"discovery failed","error":"member count is unequal"}\n{"level":"info","msg":"y"}'))
      .toBe('{"level":"fatal","msg":"discovery failed","error":"member count is unequal"}');
  });
});
