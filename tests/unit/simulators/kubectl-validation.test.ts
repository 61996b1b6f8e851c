import { describe, expect, it } from 'vitest';
import {
  kindForResource, kindRef, mapKind, parseManifests, resourcePath, validationError,
} from '../../../lab/simulators/src/common/kubectl-manifests.js';

const SRC = 'manifest.yaml';
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: 10.77.255.1:5000/web:1}
`;
const one = (text: string) => parseManifests(text, SRC)[0]!;
const check = (text: string) => { const o = one(text); return validationError(o, mapKind(o)); };

describe('kubectl manifests', () => {
  it('reads multi-document YAML, skipping empty documents and expanding Lists', () => {
    const objs = parseManifests(`---\n${deployment}---\n\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n`, SRC);
    expect(objs.map((o) => o.obj.metadata.name)).toEqual(['web', 'a', 'b']);
  });
  it('accepts a valid Deployment and names it like kubectl', () => {
    expect(check(deployment)).toBeNull();
    expect(kindRef(mapKind(one(deployment)))).toBe('deployment.apps');
  });
  it('rejects PodSecurityPolicy: removed in 1.25, no REST mapping', () => {
    expect(() => mapKind(one('apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\nspec: {}\n')))
      .toThrow('no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"\nensure CRDs are installed first');
  });
  it('rejects a known kind under the wrong apiVersion', () => {
    expect(() => mapKind(one(deployment.replace('apps/v1', 'extensions/v1beta1')))).toThrow('no matches for kind "Deployment" in version "extensions/v1beta1"');
  });
  it('rejects missing apiVersion, kind and metadata.name', () => {
    expect(() => mapKind(one('kind: Namespace\nmetadata: {name: a}\n'))).toThrow('apiVersion not set');
    expect(() => mapKind(one('apiVersion: v1\nmetadata: {name: a}\n'))).toThrow('kind not set');
    expect(() => mapKind(one('apiVersion: v1\nkind: Namespace\nmetadata: {}\n'))).toThrow('resource name may not be empty');
  });
  it('rejects unknown fields at every checked level (strict field validation)', () => {
    expect(check(deployment.replace('replicas: 1', 'replica: 1'))).toBe(
      'Error from server (BadRequest): error when creating "manifest.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"');
    expect(check(deployment.replace('{name: web, image', '{name: web, imagePullPolicy: Always, imagePolicy: x, image'))).toContain('unknown field "spec.template.spec.containers[0].imagePolicy"');
    expect(check(deployment.replace('metadata: {name: web, namespace: demo}', 'metadata: {name: web, namespace: demo, label: {}}'))).toContain('unknown field "metadata.label"');
    expect(check('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\nspec: {}\n')).toContain('unknown field "spec"');
    expect(check('apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      hostNet: true\n      containers: [{name: c, image: i}]\n')).toContain('unknown field "spec.template.spec.hostNet"');
  });
  it('rejects missing required fields with the server text', () => {
    expect(check(deployment.replace('  selector: {matchLabels: {app: web}}\n', ''))).toBe('The Deployment "web" is invalid: spec.selector: Required value');
    expect(check(deployment.replace('{name: web, image', '{image'))).toBe('The Deployment "web" is invalid: spec.template.spec.containers[0].name: Required value');
    expect(check('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nsubjects: []\n')).toContain('roleRef: Required value');
  });
  it('rejects wrongly typed values', () => {
    expect(check(deployment.replace('replicas: 1', 'replicas: "one"'))).toContain('spec.replicas: Invalid value');
  });
  it('maps get arguments and builds REST paths', () => {
    expect(kindForResource('ds').kind).toBe('DaemonSet');
    expect(kindForResource('no').kind).toBe('Node');
    expect(kindForResource('deployments.apps').kind).toBe('Deployment');
    expect(() => kindForResource('widgets')).toThrow('the server doesn\'t have a resource type "widgets"');
    expect(resourcePath(kindForResource('ds'), 'kube-flannel', 'kube-flannel-ds')).toBe('/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds');
    expect(resourcePath(kindForResource('nodes'), 'default')).toBe('/api/v1/nodes');
  });
});
