import { flannelDaemonSet, flannelNamespace, renderFlannelManifest } from '../kube/index.js';
import { addonStep } from './addon.js';

export const cniStep = addonStep({
  id: 'cni',
  title: 'Pod network (flannel)',
  file: 'kube-flannel.yaml',
  enabled: (ctx) => ctx.inventory.network.plugin === 'flannel',
  manifest: (ctx) => renderFlannelManifest({ inventory: ctx.inventory }),
  workloads: [{ kind: 'daemonset', name: flannelDaemonSet, namespace: flannelNamespace }],
});
