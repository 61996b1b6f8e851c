import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { renderFlannelManifest } from '../../../src/kube/flannel.js';
import { addonImages, flannelCniPluginImage, flannelImage } from '../../../src/versions/addons.js';
import { findObject, imagesOf, parseYamlDocuments, tolerates, validateObject } from './k8s-objects.js';
import { inventory128, inventory132 } from './fixtures.js';

describe('renderFlannelManifest', () => {
  const m128 = renderFlannelManifest({ inventory: inventory128 });
  const m132 = renderFlannelManifest({ inventory: inventory132 });

  it('matches the golden files', () => {
    expectGolden('flannel/kube-flannel-1.28.15.yaml.golden', m128);
    expectGolden('flannel/kube-flannel-1.32.4.yaml.golden', m132);
  });

  it('is valid against the Kubernetes schemas, object by object', () => {
    for (const text of [m128, m132]) {
      const objects = parseYamlDocuments(text);
      expect(objects.map((o) => o.kind)).toEqual([
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'DaemonSet',
      ]);
      for (const o of objects) validateObject(o);
    }
  });

  it('uses the inventory podSubnet with the vxlan backend', () => {
    for (const [text, subnet] of [
      [m128, '10.244.0.0/16'],
      [m132, '10.200.0.0/16'],
    ] as const) {
      const cfg = findObject(parseYamlDocuments(text), 'ConfigMap', 'kube-flannel-cfg');
      expect(JSON.parse(cfg.data['net-conf.json'])).toEqual({ Network: subnet, Backend: { Type: 'vxlan' } });
      const cni = JSON.parse(cfg.data['cni-conf.json']);
      expect(cni.plugins.map((p: { type: string }) => p.type)).toEqual(['flannel', 'portmap']);
    }
  });

  it('runs flanneld on every node, control planes included, from the pinned docker.io images', () => {
    const objects = parseYamlDocuments(m128);
    const pod = findObject(objects, 'DaemonSet', 'kube-flannel-ds').spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.serviceAccountName).toBe('flannel');
    expect(tolerates(pod.tolerations, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates(pod.tolerations, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })).toBe(true);
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(['install-cni-plugin', 'install-cni']);
    expect(pod.initContainers[0].image).toBe(flannelCniPluginImage);
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }]);
    expect(pod.initContainers[1].args).toEqual(['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist']);
    expect(pod.containers[0].image).toBe(flannelImage);
    expect(pod.containers[0].args).toEqual(['--ip-masq', '--kube-subnet-mgr', '--iface=$(NODE_IP)']);
    // $(NODE_IP) is the node's InternalIP (kubelet --node-ip = internalAddress), not the default route's NIC.
    expect(pod.containers[0].env).toContainEqual({ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
    expect(pod.containers[0].securityContext.capabilities.add).toEqual(['NET_ADMIN', 'NET_RAW']);
    // imageRepository (a registry.k8s.io replacement) is not applied to flannel.
    expect(flannelImage).toMatch(/^docker\.io\/flannel\/flannel:v0\.(2[4-9]|[3-9]\d)\./);
    expect(imagesOf(objects).sort()).toEqual(addonImages({ ...inventory128, addons: { dashboard: { enabled: false } } }).sort());
  });

  it('lets flanneld patch only node status and read pods and nodes', () => {
    const role = findObject(parseYamlDocuments(m128), 'ClusterRole', 'flannel');
    const verbs = Object.fromEntries(role.rules.map((r: { resources: string[]; verbs: string[] }) => [r.resources.join(), r.verbs]));
    expect(verbs).toEqual({ pods: ['get'], nodes: ['get', 'list', 'watch'], 'nodes/status': ['patch'] });
  });
});
