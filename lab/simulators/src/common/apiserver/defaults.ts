import type { KubeObject } from './store.js';

/**
 * The defaults the real apiserver fills in on create and update, for the fields real kubectl reads
 * back: `rollout status daemonset` refuses anything but spec.updateStrategy.type RollingUpdate
 * ("rollout status is only available for RollingUpdate strategy type"), so an undefaulted
 * DaemonSet breaks kinstall's addon step. Transcribed from kubernetes pkg/apis/apps/v1/defaults.go
 * (SetDefaults_DaemonSet, SetDefaults_Deployment), pkg/apis/core/v1/defaults.go (SetDefaults_Service,
 * SetDefaults_ServicePort) and pkg/registry/core/namespace/strategy.go (PrepareForCreate: phase
 * Active, the "kubernetes" finalizer). Pod template defaults (dnsPolicy, restartPolicy, ...) are
 * not applied (see lab/simulators/README.md "Still lenient").
 */
export function applyDefaults(kind: string, obj: KubeObject, creating: boolean): void {
  if (!['DaemonSet', 'Deployment', 'Service', 'Namespace'].includes(kind)) return;
  const spec = (obj.spec ??= {});
  switch (kind) {
    case 'DaemonSet': {
      const us = (spec.updateStrategy ??= {});
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') {
        const ru = (us.rollingUpdate ??= {});
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
      break;
    }
    case 'Deployment': {
      spec.replicas ??= 1;
      const st = (spec.strategy ??= {});
      st.type ??= 'RollingUpdate';
      if (st.type === 'RollingUpdate') {
        const ru = (st.rollingUpdate ??= {});
        ru.maxUnavailable ??= '25%';
        ru.maxSurge ??= '25%';
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      break;
    }
    case 'Service': {
      spec.sessionAffinity ??= 'None';
      spec.type ??= 'ClusterIP';
      if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    }
    case 'Namespace': {
      if (creating) {
        obj.status = { ...(obj.status ?? {}), phase: 'Active' };
        const fin: string[] = (spec.finalizers ??= []);
        if (!fin.includes('kubernetes')) fin.push('kubernetes');
      }
      break;
    }
  }
}
