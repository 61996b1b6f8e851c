import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, tolerates, validateObject } from './k8s-objects.js';

// The manifest tests rely on these helpers rejecting bad input; prove they do.
describe('manifest test helpers', () => {
  it('schema validation rejects a wrongly typed field and an unknown kind', () => {
    const [bad] = parseYamlDocuments(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: one\n  selector: {}\n  template: {spec: {containers: [{name: a}]}}\n',
    );
    expect(() => validateObject(bad!)).toThrow(/replicas/);
    const [missing] = parseYamlDocuments('apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec: {}\n');
    expect(() => validateObject(missing!)).toThrow(/selector/);
    expect(() => validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(/no kubernetes-models class/);
  });

  it('rejects fields the kind does not have, at any depth', () => {
    const [typo] = parseYamlDocuments(
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec:\n  selector: {}\n  template:\n    spec:\n      hostNetwrok: true\n      containers: [{name: a, imagePulPolicy: Always}]\n',
    );
    expect(() => validateObject(typo!)).toThrow(/unknown fields \.spec\.template\.spec\.hostNetwrok, \.spec\.template\.spec\.containers\[0\]\.imagePulPolicy/);
  });

  it('YAML parsing fails on a syntax error', () => {
    expect(() => parseYamlDocuments('a: [1, 2\n')).toThrow(/YAML document 0/);
  });

  it('toleration matching follows Kubernetes rules', () => {
    const taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
    expect(tolerates([{ key: 'other', operator: 'Exists', effect: 'NoSchedule' }], taint)).toBe(false);
    expect(tolerates([{ operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: taint.key, operator: 'Equal', value: '', effect: 'NoSchedule' }], taint)).toBe(true);
  });
});
