import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { dashboardAccess, renderDashboardManifest } from '../../../src/kube/dashboard.js';
import { addonImages, dashboardImage, metricsScraperImage } from '../../../src/versions/addons.js';
import { findObject, imagesOf, parseYamlDocuments, validateObject } from './k8s-objects.js';
import { inventory128, inventory132 } from './fixtures.js';

describe('renderDashboardManifest', () => {
  const m128 = renderDashboardManifest({ inventory: inventory128 });
  const m132 = renderDashboardManifest({ inventory: inventory132 });

  it('matches the golden files', () => {
    expectGolden('dashboard/dashboard-1.28.15.yaml.golden', m128);
    expectGolden('dashboard/dashboard-1.32.4.yaml.golden', m132);
  });

  it('is valid against the Kubernetes schemas, object by object', () => {
    for (const text of [m128, m132]) {
      const objects = parseYamlDocuments(text);
      for (const o of objects) validateObject(o);
      const namespaced = objects.filter((o) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
      expect(namespaced.every((o) => o.metadata.namespace === 'kubernetes-dashboard')).toBe(true);
    }
  });

  it('contains the upstream v2.7.0 object set plus the kinstall-admin login', () => {
    const names = parseYamlDocuments(m128).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.sort()).toEqual(
      [
        'Namespace/kubernetes-dashboard',
        'ServiceAccount/kubernetes-dashboard',
        'Service/kubernetes-dashboard',
        'Secret/kubernetes-dashboard-certs',
        'Secret/kubernetes-dashboard-csrf',
        'Secret/kubernetes-dashboard-key-holder',
        'ConfigMap/kubernetes-dashboard-settings',
        'Role/kubernetes-dashboard',
        'ClusterRole/kubernetes-dashboard',
        'RoleBinding/kubernetes-dashboard',
        'ClusterRoleBinding/kubernetes-dashboard',
        'Deployment/kubernetes-dashboard',
        'Service/dashboard-metrics-scraper',
        'Deployment/dashboard-metrics-scraper',
        'ServiceAccount/kinstall-admin',
        'ClusterRoleBinding/kinstall-admin',
      ].sort(),
    );
  });

  it('binds kinstall-admin to cluster-admin and creates no long-lived token secret', () => {
    const objects = parseYamlDocuments(m128);
    const binding = findObject(objects, 'ClusterRoleBinding', 'kinstall-admin');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kinstall-admin', namespace: 'kubernetes-dashboard' }]);
    expect(objects.filter((o) => o.type === 'kubernetes.io/service-account-token')).toEqual([]);
  });

  it('keeps the dashboard off the node network and matches the documented access method', () => {
    const objects = parseYamlDocuments(m128);
    const svc = findObject(objects, 'Service', dashboardAccess.service);
    expect(svc.metadata.namespace).toBe(dashboardAccess.namespace);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 8443 }]);
    expect(dashboardAccess.portForwardCommand('lab.kubeconfig')).toBe(
      'kubectl --kubeconfig lab.kubeconfig -n kubernetes-dashboard port-forward svc/kubernetes-dashboard 8443:443',
    );
    for (const name of dashboardAccess.deployments) findObject(objects, 'Deployment', name);
    findObject(objects, 'ServiceAccount', dashboardAccess.adminServiceAccount);
  });

  it('pulls the pinned images that addonImages lists for the lab mirror', () => {
    const objects = parseYamlDocuments(m132);
    expect(imagesOf(objects).sort()).toEqual([dashboardImage, metricsScraperImage].sort());
    expect(dashboardImage).toBe('docker.io/kubernetesui/dashboard:v2.7.0');
    expect(metricsScraperImage).toBe('docker.io/kubernetesui/metrics-scraper:v1.0.8');
    const dash = findObject(objects, 'Deployment', 'kubernetes-dashboard').spec.template.spec.containers[0];
    expect(dash.args).toEqual(['--auto-generate-certificates', '--namespace=kubernetes-dashboard']);
    const all = addonImages(inventory132);
    for (const image of imagesOf(objects)) expect(all).toContain(image);
  });
});

describe('addonImages', () => {
  it('lists only the addons the inventory enables', () => {
    expect(addonImages(inventory128)).toHaveLength(4);
    expect(addonImages({ ...inventory128, addons: { dashboard: { enabled: false } } })).toEqual([
      'docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2',
      'docker.io/flannel/flannel:v0.25.6',
    ]);
    expect(addonImages({ ...inventory128, network: { plugin: 'none' }, addons: { dashboard: { enabled: false } } })).toEqual([]);
  });
});
