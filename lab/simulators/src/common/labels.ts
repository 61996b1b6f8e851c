// Kubernetes' label, annotation and taint grammar, shared by the kubelet simulator
// (--node-labels, --register-with-taints), the kubectl simulator (label, annotate, taint) and the
// apiserver simulator (object metadata). Texts follow the upstream validators so a failure in the
// lab reads like the real one.

/** apimachinery/pkg/util/validation/validation.go: RegexError. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);

/** validation.go: IsDNS1123Subdomain (max 253). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/** validation.go: IsDNS1123Label (max 63). */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** validation.go: IsQualifiedName — label and annotation keys, taint keys. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.go: IsValidLabelValue — label values and taint values. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

// k8s.io/kubelet/pkg/apis/well_known_labels.go: the kubernetes.io labels a kubelet may set on
// its own Node (kubeletLabels, kubeletLabelNamespaces). The NodeRestriction admission plugin
// enforces the same set, so the kubelet refuses anything else at start.
export const KUBELET_LABELS = [
  'beta.kubernetes.io/arch', 'beta.kubernetes.io/instance-type', 'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch', 'kubernetes.io/hostname', 'kubernetes.io/os',
  'node.kubernetes.io/instance-type', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone',
];
export const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => (key.includes('/') ? key.split('/')[0]! : '');
const inDomain = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** cmd/kubelet/app/options/options.go: isKubernetesLabel. */
export function isKubernetesLabel(key: string): boolean {
  const ns = labelNamespace(key);
  return inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io');
}

/** well_known_labels.go: IsKubeletLabel. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.includes(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inDomain(ns, allowed));
}

/**
 * cmd/kubelet/app/options/options.go: ValidateKubeletFlags' --node-labels rules; the kubelet
 * wraps the error as "failed to validate kubelet flags: ..." (cmd/kubelet/app/server.go). null = valid.
 */
export function nodeLabelsError(labels: Record<string, string>): string | null {
  const unknown = Object.keys(labels).filter((k) => isKubernetesLabel(k) && !isKubeletLabel(k)).sort();
  if (unknown.length > 0) {
    return `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${unknown.join(' ')}]\n`
      + `--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (${KUBELET_LABEL_NAMESPACES.join(', ')}) or be in the specifically allowed set (${KUBELET_LABELS.join(', ')})`;
  }
  const invalid: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const ke = qualifiedNameErrors(k);
    if (ke.length) invalid.push(`'${k}' - ${ke.join(', ')}`);
    const ve = labelValueErrors(v);
    if (ve.length) invalid.push(`'${v}' - ${ve.join(', ')}`);
  }
  return invalid.length ? `invalid node labels: ${invalid.join('; ')}` : null;
}

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export interface Taint { key: string; value?: string; effect: string }

/** core/v1 Taint.ToString: key=value:effect, key:effect, key=value, key. */
export function taintToString(t: { key: string; value?: string; effect?: string }): string {
  const kv = t.value ? `${t.key}=${t.value}` : t.key;
  return t.effect ? `${kv}:${t.effect}` : kv;
}

export class TaintSpecError extends Error {}

/**
 * kubectl/pkg/util/taints/taints.go: parseTaint — `key=value:Effect`, `key:Effect` or a bare
 * `key` (only meaningful for removal); the key is a qualified name, the value a label value.
 */
export function parseTaintSpec(st: string): { key: string; value?: string; effect?: string } {
  const parts = st.split(':');
  let key: string; let value: string | undefined; let effect: string | undefined;
  if (parts.length === 1) key = parts[0]!;
  else if (parts.length === 2) {
    effect = parts[1]!;
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) throw new TaintSpecError(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = parts[0]!.split('=');
    if (kv.length > 2) throw new TaintSpecError(`invalid taint spec: ${st}`);
    key = kv[0]!;
    if (kv.length === 2) {
      value = kv[1]!;
      const ve = labelValueErrors(value);
      if (ve.length) throw new TaintSpecError(`invalid taint spec: ${st}, ${ve.join('; ')}`);
    }
  } else throw new TaintSpecError(`invalid taint spec: ${st}`);
  const ke = qualifiedNameErrors(key);
  if (ke.length) throw new TaintSpecError(`invalid taint spec: ${st}, ${ke.join('; ')}`);
  return { key, ...(value !== undefined ? { value } : {}), ...(effect !== undefined ? { effect } : {}) };
}

/** taints.go: ParseTaints — additions need an effect and must be unique by key+effect; `spec-` removes. */
export function parseTaintArgs(specs: string[]): { add: Taint[]; remove: Array<{ key: string; effect?: string }> } {
  const add: Taint[] = [];
  const remove: Array<{ key: string; effect?: string }> = [];
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const t = parseTaintSpec(spec.slice(0, -1));
      remove.push(t.effect ? { key: t.key, effect: t.effect } : { key: t.key });
      continue;
    }
    const t = parseTaintSpec(spec);
    if (!t.effect) throw new TaintSpecError(`invalid taint spec: ${spec}`);
    if (add.some((a) => a.key === t.key && a.effect === t.effect)) {
      throw new TaintSpecError(`duplicated taints with the same key and effect: {${t.key} ${t.value ?? ''} ${t.effect} <nil>}`);
    }
    add.push(t as Taint);
  }
  return { add, remove };
}

/**
 * The `key=value` / `key-` arguments of kubectl label (kubectl/pkg/cmd/label/label.go parseLabels:
 * exactly one '=', qualified-name key, label value) and kubectl annotate (annotate.go
 * parseAnnotations: the value is free text after the first '=').
 */
export function parseKeyValueArgs(args: string[], what: 'label' | 'annotation'): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of args) {
    if (a.includes('=')) {
      const parts = a.split('=');
      if (what === 'label' && parts.length !== 2) throw new TaintSpecError(`invalid label spec: ${a}`);
      const k = parts[0]!;
      const v = parts.slice(1).join('=');
      const ke = qualifiedNameErrors(k);
      if (ke.length) throw new TaintSpecError(`invalid ${what} spec: ${a}, ${ke.join('; ')}`);
      if (what === 'label') {
        const ve = labelValueErrors(v);
        if (ve.length) throw new TaintSpecError(`invalid label value: "${a}": ${ve.join('; ')}`);
      }
      set[k] = v;
    } else if (a.endsWith('-')) {
      remove.push(a.slice(0, -1));
    } else {
      throw new TaintSpecError(`unknown ${what} spec: ${a}`);
    }
  }
  return { set, remove };
}

export class EditError extends Error {}

/**
 * kubectl label on one object: label.go validateNoOverwrites (only a different value conflicts)
 * and updateDataChangeMsg. Returns the new labels, the verb kubectl prints and the "not found"
 * notes for removals of absent keys.
 */
export function editLabels(current: Record<string, string> | undefined, set: Record<string, string>, remove: string[], overwrite: boolean):
  { labels: Record<string, string>; verb: string; notes: string[] } {
  const old = { ...(current ?? {}) };
  if (!overwrite) {
    const errs = Object.entries(set).filter(([k, v]) => k in old && old[k] !== v).map(([k]) => `'${k}' already has a value (${old[k]}), and --overwrite is false`);
    if (errs.length) throw new EditError(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  }
  const notes = remove.filter((k) => !(k in old)).map((k) => `label "${k}" not found.`);
  const labels = { ...old, ...set };
  for (const k of remove) delete labels[k];
  const changed = Object.keys(labels).some((k) => old[k] !== labels[k]);
  const removed = Object.keys(old).some((k) => !(k in labels));
  return { labels, verb: changed ? 'labeled' : removed ? 'unlabeled' : 'not labeled', notes };
}

/** kubectl annotate on one object: annotate.go validateNoAnnotationOverwrites (any existing key conflicts). */
export function editAnnotations(current: Record<string, string> | undefined, set: Record<string, string>, remove: string[], overwrite: boolean): Record<string, string> {
  const old = { ...(current ?? {}) };
  if (!overwrite) {
    const found = Object.keys(set).filter((k) => k in old && k !== 'kubernetes.io/change-cause').map((k) => `'${k}' already has a value (${old[k]})`);
    if (found.length) throw new EditError(`--overwrite is false but found the following declared annotation(s): ${found.join('; ')}`);
  }
  const out = { ...old, ...set };
  for (const k of remove) delete out[k];
  return out;
}

/**
 * kubectl taint on one node: taint.go updateTaints + kubectl/pkg/util/taints/taints.go
 * (CheckIfTaintsAlreadyExists by key+effect unless --overwrite; ReorganizeTaints puts the new
 * taints first, keeps the old ones they do not replace, then deletes; a removal that matches
 * nothing is an error). NoExecute taints get timeAdded as the API server would.
 */
export function editTaints(nodeName: string, current: Taint[] | undefined, add: Taint[], remove: Array<{ key: string; effect?: string }>, overwrite: boolean, now = new Date()):
  { taints: Taint[]; verb: 'tainted' | 'untainted' | 'modified' } {
  const old = current ?? [];
  if (!overwrite) {
    const exists = add.filter((t) => old.some((o) => o.key === t.key && o.effect === t.effect)).map((t) => t.key);
    if (exists.length) throw new EditError(`Node ${nodeName} already has ${exists.join(',')} taint(s) with same effect(s) and --overwrite is false`);
  }
  const stamp = (t: Taint): Taint => (t.effect === 'NoExecute' ? { ...t, timeAdded: now.toISOString().replace(/\.\d+Z$/, 'Z') } as Taint : t);
  let next: Taint[] = add.map(stamp);
  for (const o of old) if (!next.some((t) => t.key === o.key && t.effect === o.effect)) next.push(o);
  const added = old.length !== next.length;
  const errs: string[] = [];
  let deleted = false;
  for (const r of remove) {
    const before = next.length;
    next = next.filter((t) => !(t.key === r.key && (!r.effect || t.effect === r.effect)));
    if (next.length === before) errs.push(`taint "${taintToString(r)}" not found`);
    else deleted = true;
  }
  if (errs.length) throw new EditError(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  const verb = (added && deleted) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { taints: next, verb };
}
