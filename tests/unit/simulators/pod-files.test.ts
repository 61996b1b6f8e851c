import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderFlannelManifest } from '../../../src/kube/index.js';
import { planPodFiles } from '../../../lab/simulators/src/common/pod-files.js';
import { labCluster } from '../steps/inventories.js';

/** The pod the DaemonSet controller makes from kinstall's real flannel manifest, plus its ConfigMap. */
function flannelPodAndConfig() {
  const { inventory } = labCluster();
  const docs = parseAllDocuments(renderFlannelManifest({ inventory })).map((d) => d.toJS());
  const ds = docs.find((d) => d?.kind === 'DaemonSet');
  const cm = docs.find((d) => d?.kind === 'ConfigMap');
  const pod = { metadata: { name: 'kube-flannel-ds-abcde', namespace: ds.metadata.namespace }, spec: ds.spec.template.spec };
  return { pod, cm };
}

describe('planPodFiles (init containers copying ConfigMap files to the host)', () => {
  it('flannel: install-cni writes the ConfigMap\'s cni-conf.json to /etc/cni/net.d; the image copy is skipped', () => {
    const { pod, cm } = flannelPodAndConfig();
    const plan = planPodFiles(pod, (ns, name) => (ns === cm.metadata.namespace && name === cm.metadata.name ? cm.data : undefined));
    expect(plan.errors).toEqual([]);
    expect(plan.writes).toEqual([{ container: 'install-cni', hostPath: '/etc/cni/net.d/10-flannel.conflist', content: cm.data['cni-conf.json'] }]);
    expect(plan.skipped).toEqual(['install-cni-plugin: /flannel comes from the image, which the lab does not simulate']);
  });

  it('a missing ConfigMap or key fails the init container, as cp would', () => {
    const { pod, cm } = flannelPodAndConfig();
    expect(planPodFiles(pod, () => undefined).errors).toEqual([
      `install-cni: cp: can't stat '/etc/kube-flannel/cni-conf.json': configmap "${cm.metadata.name}" not found`,
    ]);
    expect(planPodFiles(pod, () => ({ 'net-conf.json': '{}' })).errors[0]).toMatch(/no such file in configmap .* volume: cni-conf.json/);
  });

  it('honours items (key → path) and a destination off any hostPath writes nothing on the host', () => {
    const pod = {
      metadata: { namespace: 'x' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'c', items: [{ key: 'k', path: 'renamed.json' }] } }, { name: 'h', hostPath: { path: '/etc/demo' } }],
        initContainers: [
          { name: 'a', command: ['cp', '/cfg/renamed.json', '/host/sub/out.json'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'h', mountPath: '/host' }] },
          { name: 'b', command: ['cp', '-f', '/cfg/renamed.json', '/tmp/out.json'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] },
          { name: 'c', command: ['sh', '-c', 'echo hi'] },
        ],
      },
    };
    const plan = planPodFiles(pod, () => ({ k: 'V' }));
    expect(plan.writes).toEqual([{ container: 'a', hostPath: '/etc/demo/sub/out.json', content: 'V' }]);
    expect(plan.skipped).toEqual(['b: /tmp/out.json is not on a hostPath volume', 'c: sh -c echo hi is not simulated']);
  });
});
