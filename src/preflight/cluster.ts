import { fail, pass } from './outcome.js';
import type { HostCheck } from './types.js';

const existingCluster: HostCheck = {
  id: 'existing-cluster',
  title: 'The host is not already a node of a cluster (/etc/kubernetes/kubelet.conf)',
  run: ({ facts, host }) => {
    if (!facts.kubeletConf && !facts.adminConf) return pass('not a Kubernetes node yet');
    const what = facts.adminConf
      ? `/etc/kubernetes/${facts.kubeletConf ? 'kubelet.conf and ' : ''}admin.conf exist: this host is already a control-plane node`
      : '/etc/kubernetes/kubelet.conf exists: this host is already a node';
    return fail(
      `${what} of some cluster`,
      `if it belongs to this inventory's cluster, kinstall up recognises it and skips init/join on it (add existing-cluster to preflight.ignore to audit it anyway); otherwise run kinstall reset INVENTORY --hosts ${host.name} to wipe it first`,
    );
  },
};

export const clusterStateChecks: HostCheck[] = [existingCluster];
