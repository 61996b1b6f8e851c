import { describe, expect, it } from 'vitest';
import {
  isKubeletLabel, labelValueErrors, nodeLabelsError, parseKeyValueArgs, parseTaintArgs, parseTaintSpec, qualifiedNameErrors,
} from '../../../lab/simulators/src/common/labels.js';
import { KubeletFatal, parseKubeletFlags, parseTaint, validateKubeletFlags } from '../../../lab/simulators/src/common/kubelet-checks.js';

describe('label grammar (apimachinery validation.go)', () => {
  it('qualified names: optional DNS-1123 prefix, 63-char name part', () => {
    expect(qualifiedNameErrors('example.com/MyName')).toEqual([]);
    expect(qualifiedNameErrors('disktype')).toEqual([]);
    expect(qualifiedNameErrors('Example.com/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(qualifiedNameErrors('/x')).toEqual(['prefix part must be non-empty']);
    expect(qualifiedNameErrors('a/b/c')[0]).toMatch(/^a qualified name must consist of/);
    expect(qualifiedNameErrors('x'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
    expect(qualifiedNameErrors('-bad')[0]).toMatch(/^name part must consist of alphanumeric characters/);
  });
  it('label values: empty allowed, 63 chars, alphanumeric ends', () => {
    expect(labelValueErrors('')).toEqual([]);
    expect(labelValueErrors('ssd_1.a')).toEqual([]);
    expect(labelValueErrors('a b')[0]).toMatch(/a valid label must be an empty string/);
    expect(labelValueErrors('v'.repeat(64))).toContain('must be no more than 63 characters');
  });
});

describe('kubelet --node-labels (cmd/kubelet/app/options/options.go, k8s.io/kubelet well_known_labels.go)', () => {
  it('allows the kubelet label set and namespaces, refuses other kubernetes.io labels', () => {
    expect(isKubeletLabel('node.kubernetes.io/instance-type')).toBe(true);
    expect(isKubeletLabel('foo.node.kubernetes.io/x')).toBe(true);
    expect(isKubeletLabel('kubelet.kubernetes.io/x')).toBe(true);
    expect(isKubeletLabel('topology.kubernetes.io/zone')).toBe(true);
    expect(isKubeletLabel('node-role.kubernetes.io/worker')).toBe(false);
    expect(nodeLabelsError({ 'example.com/tier': 'web', disktype: 'ssd' })).toBeNull();
    const err = nodeLabelsError({ 'node-role.kubernetes.io/worker': '', 'app.k8s.io/x': 'y' });
    expect(err).toMatch(/^unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: \[app.k8s.io\/x node-role.kubernetes.io\/worker\]\n--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix \(kubelet.kubernetes.io, node.kubernetes.io\)/);
    expect(nodeLabelsError({ 'a b': 'c' })).toMatch(/^invalid node labels: 'a b' - name part must consist/);
  });
  it('the kubelet refuses to start with a restricted label or a malformed pair', () => {
    const f = parseKubeletFlags(['--node-labels=node-role.kubernetes.io/worker=,disktype=ssd']);
    expect(f.nodeLabels).toEqual({ 'node-role.kubernetes.io/worker': '', disktype: 'ssd' });
    expect(() => validateKubeletFlags(f)).toThrow(/^failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels/);
    expect(() => validateKubeletFlags(parseKubeletFlags(['--node-labels=disktype=ssd,node.kubernetes.io/pool=a']))).not.toThrow();
    expect(() => parseKubeletFlags(['--node-labels=novalue'])).toThrow('malformed pair, expect string=string');
  });
  it('--register-with-taints needs an effect and valid key/value', () => {
    expect(parseTaint('dedicated=gpu:NoSchedule')).toEqual({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
    expect(() => parseTaint('dedicated')).toThrow(KubeletFatal);
    expect(() => parseTaint('bad key:NoSchedule')).toThrow(/invalid taint spec/);
    expect(() => parseTaint('k:Sometimes')).toThrow(/invalid taint effect: Sometimes, unsupported taint effect/);
    expect(() => validateKubeletFlags(parseKubeletFlags(['--register-with-taints=a=b']))).toThrow('invalid argument "a=b" for "--register-with-taints" flag');
  });
});

describe('kubectl taint/label argument grammar (kubectl/pkg/util/taints/taints.go, cmd/label)', () => {
  it('taint specs: add needs an effect, removal may name the key alone', () => {
    expect(parseTaintSpec('k=v:NoExecute')).toEqual({ key: 'k', value: 'v', effect: 'NoExecute' });
    expect(parseTaintArgs(['a=b:NoSchedule', 'c:NoExecute-', 'd-'])).toEqual({
      add: [{ key: 'a', value: 'b', effect: 'NoSchedule' }], remove: [{ key: 'c', effect: 'NoExecute' }, { key: 'd' }],
    });
    expect(() => parseTaintArgs(['a=b'])).toThrow('invalid taint spec: a=b');
    expect(() => parseTaintArgs(['a=b:NoSchedule', 'a=c:NoSchedule'])).toThrow(/duplicated taints with the same key and effect/);
    expect(() => parseTaintArgs(['a=b=c:NoSchedule'])).toThrow('invalid taint spec: a=b=c:NoSchedule');
  });
  it('label args: k=v sets, k- removes, bad values refused', () => {
    expect(parseKeyValueArgs(['a=b', 'c-'], 'label')).toEqual({ set: { a: 'b' }, remove: ['c'] });
    expect(() => parseKeyValueArgs(['a=b c'], 'label')).toThrow(/invalid label value/);
    expect(parseKeyValueArgs(['note=any text at all'], 'annotation')).toEqual({ set: { note: 'any text at all' }, remove: [] });
    expect(() => parseKeyValueArgs(['justakey'], 'label')).toThrow(/unknown label spec/);
  });
});
