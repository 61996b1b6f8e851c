import type { Inventory } from '../inventory/schema.js';
import { render } from '../render.js';
import { flannelCniPluginImage, flannelImage, flannelVersion } from '../versions/addons.js';

export const flannelNamespace = 'kube-flannel';
export const flannelDaemonSet = 'kube-flannel-ds';

/** flannel's manifest for `kubectl apply`: pod network = the inventory's podSubnet, vxlan. */
export function renderFlannelManifest(input: { inventory: Inventory }): string {
  return render('flannel/kube-flannel.yaml.hbs', {
    clusterName: input.inventory.metadata.name,
    flannelVersion,
    flannelImage,
    cniPluginImage: flannelCniPluginImage,
    podSubnet: input.inventory.kubernetes.podSubnet,
  });
}
