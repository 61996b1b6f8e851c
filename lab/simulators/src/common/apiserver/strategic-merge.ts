import { StatusError, badRequest } from './status.js';
import type { FieldMeta, TypeMeta } from './patch-meta.js';

/**
 * Applying a strategic merge patch (`application/strategic-merge-patch+json`) the way the apiserver
 * does: k8s.io/apimachinery/pkg/util/strategicpatch/patch.go StrategicMergeMapPatch with
 * MergeParallelList and IgnoreUnmatchedNulls (mergeMap, mergeSlice, mergeSliceWithSpecialElements,
 * applyRetainKeysDirective, mergePatchIntoOriginal, normalizeElementOrder/mergeSortedSlice), with
 * the patch metadata of patch-meta.ts. Errors are those of strategicpatch/mergepatch errors.go,
 * mapped to HTTP codes as apiserver/pkg/endpoints/handlers/patch.go interpretStrategicMergePatchError
 * does (format errors 400, lists of lists 422, anything else 500).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

class PatchError extends Error {
  constructor(message: string, readonly code: 400 | 422 | 500) { super(message); }
}
const ERR_BAD_PRIMITIVE_LIST = () => new PatchError('invalid patch format of primitive list', 400);
const ERR_BAD_RETAIN_KEYS = () => new PatchError('invalid patch format of retainKeys', 400);
const ERR_BAD_SET_ORDER = () => new PatchError('invalid patch format of setElementOrder list', 400);
const ERR_LIST_OF_LISTS = () => new PatchError('lists of lists are not supported', 422);

/** Go's %v of a decoded JSON value (map[k:v] with sorted keys, [a b]), as upstream's messages print it. */
export function goFormat(v: Json | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  return String(v);
}
const goType = (v: Json | undefined) => v === null || v === undefined ? '<nil>'
  : Array.isArray(v) ? '[]interface {}' : typeof v === 'object' ? 'map[string]interface {}'
    : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'float64' : 'bool';
const errNoMergeKey = (m: Json, key: string) => new PatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`, 500);
const errBadArgType = (expected: string, actual: Json | undefined) => new PatchError(`expected a ${expected}, but received a ${goType(actual)}`, 500);
const errBadPatchType = (t: Json, m: Json) => new PatchError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`, 500);

const isMap = (v: Json | undefined): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: Json) => (Array.isArray(v) ? 'slice' : isMap(v) ? 'map' : v === null ? 'nil' : typeof v);
const has = (o: JsonMap, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function lookup(t: TypeMeta | undefined, key: string): { meta: FieldMeta; strategy: string; retainKeys: boolean } {
  const meta = t?.[key] ?? {};
  const s = meta.strategies ?? [];
  if (s.length > 2 || (s.length === 2 && !s.includes('retainKeys'))) throw new PatchError(`unexpected patch strategy: [${s.join(' ')}]`, 500);
  return { meta, strategy: s.find((x) => x !== 'retainKeys') ?? '', retainKeys: s.includes('retainKeys') };
}

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf('/');
  if (i < 0 || s.slice(0, i) !== prefix) throw prefix === DELETE_FROM_PRIMITIVE_LIST ? ERR_BAD_PRIMITIVE_LIST() : ERR_BAD_SET_ORDER();
  return s.slice(i + 1);
}

/** sliceElementType: every element of the given lists has one JSON kind, and none is a list. */
function elementKind(...lists: Json[][]): string {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const k = kindOf(v);
      if (prev === undefined) { prev = k; if (k === 'slice') throw ERR_LIST_OF_LISTS(); }
      else if (prev !== k) throw new PatchError(`list element types are not identical: [${lists.map(goFormat).join(' ')}]`, 500);
    }
  }
  if (prev === undefined) throw new PatchError('no elements in any of the given slices', 500);
  return prev;
}

/** The value an element is ordered by: its merge key for maps, itself for scalars. */
const orderValue = (item: Json, mergeKey: string, kind: string): Json | undefined => (kind === 'map' ? (isMap(item) ? item[mergeKey] : undefined) : item);
function indexIn(list: Json[], item: Json, mergeKey: string, kind: string): number {
  const want = orderValue(item, mergeKey, kind);
  return list.findIndex((v) => orderValue(v, mergeKey, kind) === want);
}

/** Go's sort.SliceStable for short lists is an insertion sort; upstream's comparator is not a strict order, so the algorithm matters. */
function insertionSortStable<T>(a: T[], less: (x: T, y: T) => boolean): T[] {
  for (let i = 1; i < a.length; i++) for (let j = i; j > 0 && less(a[j]!, a[j - 1]!); j--) [a[j], a[j - 1]] = [a[j - 1]!, a[j]!];
  return a;
}

function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: string): Json[] {
  let toDelete: Json[] = [];
  let rest = toSort;
  if (kind === 'map') {
    for (const l of [toSort, order]) for (const item of l) {
      if (!isMap(item)) throw errBadArgType('map[string]interface {}', item);
      if (!has(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
    rest = toSort.filter((v) => !(isMap(v) && v[DIRECTIVE] === 'delete'));
    toDelete = toSort.filter((v) => isMap(v) && v[DIRECTIVE] === 'delete');
  }
  insertionSortStable(rest, (x, y) => {
    const ix = indexIn(order, x, mergeKey, kind);
    const iy = ix >= 0 ? indexIn(order, y, mergeKey, kind) : -1;
    return ix >= 0 && iy >= 0 ? ix < iy : true;
  });
  return [...rest, ...toDelete];
}

function mergeSortedSlice(left: Json[], right: Json[], serverOrder: Json[], mergeKey: string, kind: string): Json[] {
  const out: Json[] = [];
  let i = 0, j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function normalizeElementOrder(patch: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string, kind: string): Json[] {
  return mergeSortedSlice(normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind),
    normalizeSliceOrder(patch, patchOrder, mergeKey, kind), serverOrder, mergeKey, kind);
}

function partition(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const inPatch: Json[] = [], serverOnly: Json[] = [];
  for (const v of list) {
    let found: boolean;
    if (!mergeKey) found = by.includes(v);
    else {
      if (!isMap(v)) throw errBadArgType('map[string]interface {}', v);
      if (!has(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      found = by.some((b) => { if (!isMap(b)) throw new PatchError('value for key is not a map.', 500); return has(b, mergeKey) && b[mergeKey] === v[mergeKey]; });
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

function findByKey(list: Json[], key: string, value: Json): number {
  return list.findIndex((v, k) => {
    if (!isMap(v)) throw new PatchError(`value for key ${k} is not a map.`, 500);
    return has(v, key) && v[key] === value;
  });
}

function dedupeScalars(s: Json[]): Json[] {
  // upstream's in-place dedupe moves the last element into each duplicate's slot
  const a = [...s];
  let length = a.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (a[i] === a[j]) { a[j] = a[length]!; a.length = length; length--; j--; }
    }
  }
  return a;
}

function mergeSlice(original: Json[], patch: Json[], elemType: TypeMeta | undefined, mergeKey: string, isDeleteList: boolean): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let merged: Json[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = dedupeScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw new PatchError('cannot merge lists without merge key for type map', 500);
    // mergeSliceWithSpecialElements
    let orig = [...original];
    const plain: Json[] = [];
    let replace = false;
    for (const v of patch as JsonMap[]) {
      if (!has(v, DIRECTIVE)) { plain.push(v); continue; }
      const d = v[DIRECTIVE];
      if (d === 'delete') {
        if (!has(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
        for (let k = findByKey(orig, mergeKey, v[mergeKey]!); k >= 0; k = findByKey(orig, mergeKey, v[mergeKey]!)) orig.splice(k, 1);
      } else if (d === 'replace') replace = true;
      else if (d === 'merge') throw new PatchError('merging lists cannot yet be specified in the patch', 500);
      else throw errBadPatchType(d!, v);
    }
    let rest: Json[] = plain;
    if (replace) { orig = plain; rest = []; }
    original = orig;
    patch = rest;
    // mergeSliceWithoutSpecialElements: new elements are appended to a copy; the order of
    // `original` (before the appends) is the server order used below.
    merged = [...original];
    for (const v of patch as JsonMap[]) {
      if (!has(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const k = findByKey(merged, mergeKey, v[mergeKey]!);
      if (k >= 0) { merged[k] = mergeMap(merged[k] as JsonMap, v, elemType); if (k < original.length) original[k] = merged[k]!; }
      else merged.push(withoutDirectives(v));
    }
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function mergeSliceHandler(original: Json | undefined, patch: Json, field: ReturnType<typeof lookup>, isDeleteList: boolean): Json[] {
  if (!Array.isArray(original)) throw errBadArgType('[]interface {}', original);
  if (!Array.isArray(patch)) throw errBadArgType('[]interface {}', patch);
  if (field.strategy === 'merge') return mergeSlice(original, patch, field.meta.type, field.meta.mergeKey ?? '', isDeleteList);
  return patch;
}

function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!has(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw ERR_BAD_RETAIN_KEYS();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!list.includes(k)) throw ERR_BAD_RETAIN_KEYS();
  }
  for (const k of Object.keys(original)) if (!list.includes(k)) delete original[k];
}

function validatePatchWithSetOrderList(patchList: Json[], order: Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => { if (!isMap(v)) throw errBadArgType('map[string]interface {}', v); return v[DIRECTIVE] !== 'delete'; }) : patchList;
  let p = 0, s = 0;
  while (p < nonDelete.length && s < order.length) {
    const item = nonDelete[p]!;
    if (isMap(item) && has(item, DIRECTIVE)) { p++; continue; }
    let equal: boolean;
    if (!mergeKey) equal = item === order[s];
    else {
      const l = item, r = order[s]!;
      if (!isMap(l)) throw errBadArgType('map[string]interface {}', l);
      if (!isMap(r)) throw errBadArgType('map[string]interface {}', r);
      if (!has(l, mergeKey)) throw errNoMergeKey(l, mergeKey);
      if (!has(r, mergeKey)) throw errNoMergeKey(r, mergeKey);
      equal = l[mergeKey] === r[mergeKey];
    }
    if (equal) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw new PatchError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`, 500);
  }
}

/** $setElementOrder/<list>: merge that list now and order it as the directive says. */
function mergeSetElementOrder(original: JsonMap, patch: JsonMap, t: TypeMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('[]interface {}', order);
    const field = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = has(original, field), foundPatch = has(patch, field);
    const originalList = foundOriginal ? original[field] : undefined;
    const patchList = foundPatch ? patch[field] : undefined;
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('[]interface {}', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('[]interface {}', patchList);
    const meta = lookup(t, field);
    const mergeKey = meta.meta.mergeKey ?? '';
    if (foundPatch) validatePatchWithSetOrderList(patchList as Json[], order, mergeKey);
    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = originalList as Json[];
    else if (!foundOriginal && foundPatch) merged = patchList as Json[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList!, meta, false);
    else continue;
    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    const kind = elementKind((originalList as Json[] | undefined) ?? [], (patchList as Json[] | undefined) ?? []);
    original[field] = normalizeElementOrder(patchItems, serverOnly, order, (originalList as Json[] | undefined) ?? [], mergeKey, kind);
    delete patch[field];
  }
}

/** A value taken from the patch as is: the typed decode upstream does afterwards drops directive keys. */
function withoutDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((e) => !(isMap(e) && has(e, DIRECTIVE) && Object.keys(e).length === 1)).map(withoutDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = withoutDirectives(x);
  return out;
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, t: TypeMeta | undefined): JsonMap {
  if (has(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') { const rest = { ...patch }; delete rest[DIRECTIVE]; return rest; }
    if (d === 'delete') return {};
    throw errBadPatchType(d!, patch);
  }
  const out: JsonMap = original ?? {};
  applyRetainKeys(out, patch);
  mergeSetElementOrder(out, patch, t);
  for (let [k, v] of Object.entries(patch)) {
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) { k = extractKey(k, DELETE_FROM_PRIMITIVE_LIST); isDeleteList = true; }
    if (v === null) { delete out[k]; continue; }
    if (!has(out, k)) { out[k] = withoutDirectives(v); continue; }
    if (kindOf(out[k]!) !== kindOf(v)) { out[k] = withoutDirectives(v); continue; }
    const field = lookup(t, k);
    if (isMap(v)) out[k] = field.strategy === 'replace' ? v : mergeMap(out[k] as JsonMap, v, field.meta.type);
    else if (Array.isArray(v)) out[k] = mergeSliceHandler(out[k], v, field, isDeleteList);
    else out[k] = v;
  }
  return out;
}

/** Applies a strategic merge patch to an object; throws the apiserver's Status error on a bad patch. */
export function strategicMergePatch(original: Record<string, unknown>, patch: unknown, meta: TypeMeta): Record<string, unknown> {
  if (!isMap(patch as Json)) throw badRequest('invalid JSON document');
  try {
    return mergeMap(structuredClone(original) as JsonMap, structuredClone(patch) as JsonMap, meta);
  } catch (e) {
    if (!(e instanceof PatchError)) throw e;
    if (e.code === 400) throw badRequest(e.message);
    if (e.code === 422) throw new StatusError(422, '', e.message);
    throw new StatusError(500, 'InternalError', `Internal error occurred: ${e.message}`);
  }
}
