/** RFC 7386 JSON merge patch (`application/merge-patch+json`); strategic merge patches: strategic-merge.ts. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target)
    ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Label selector subset: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-joined (all must hold). */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return selector.split(',').map((s) => s.trim()).filter(Boolean).every((term) => {
    let m = /^([^!=]+)!=(.*)$/.exec(term);
    if (m) return l[m[1]!.trim()] !== m[2]!.trim();
    m = /^([^=]+)==?(.*)$/.exec(term);
    if (m) return l[m[1]!.trim()] === m[2]!.trim();
    if (term.startsWith('!')) return !(term.slice(1) in l);
    return term in l;
  });
}

/** Field selector subset: dotted paths with = / == / != (metadata.name, spec.nodeName, status.phase...). */
export function matchesFieldSelector(obj: Record<string, any>, selector: string): boolean {
  return selector.split(',').map((s) => s.trim()).filter(Boolean).every((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) return false;
    const value = m[1]!.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), obj);
    const str = value === undefined || value === null ? '' : String(value);
    return m[2] === '!=' ? str !== m[3] : str === m[3];
  });
}
