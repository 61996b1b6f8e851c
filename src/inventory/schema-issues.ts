import type { z } from 'zod';
import { closestMatch } from './closest.js';
import type { PathSegment, PositionFinder } from './positions.js';
import type { Problem } from './problems.js';

/** "hosts[0].ssh.port" for ['hosts', 0, 'ssh', 'port']. */
export function dottedPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}

/** Turns zod issues into positioned problems: unknown keys at the key, missing keys at the parent mapping. */
export function schemaIssuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  opts: { file: string; raw: unknown; positions: PositionFinder; schema: z.ZodType },
): Problem[] {
  const problems: Problem[] = [];
  const { file, raw, positions, schema } = opts;
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const where = dottedPath(path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const suggestion = closestMatch(key, known);
        problems.push({
          file,
          ...positions.key(path, key),
          message: `unknown key "${key}"${where ? ` in ${where}` : ''}`,
          hint: suggestion ? `did you mean "${suggestion}"?` : known.length > 0 ? `known keys here: ${known.join(', ')}` : undefined,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A record key that breaks its grammar (labels, registryMirrors): point at the key itself.
      const key = String(path[path.length - 1]);
      const parent = dottedPath(path.slice(0, -1));
      for (const inner of issue.issues) {
        problems.push({ file, ...positions.key(path.slice(0, -1), key), message: `${parent}: key ${inner.message}`, hint: hintOf(inner) });
      }
      continue;
    }
    // A missing enum field (taints[].effect) is an invalid_value in zod, a missing key to the operator.
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && valueAt(raw, path) === undefined && path.length > 0) {
      const key = path[path.length - 1];
      const parent = dottedPath(path.slice(0, -1));
      problems.push({ file, ...positions.value(path), message: `missing required key "${String(key)}"${parent ? ` in ${parent}` : ''}` });
      continue;
    }
    if (issue.code === 'invalid_value' && issue.values.length > 1) {
      const given = valueAt(raw, path);
      const options = issue.values.map(String);
      const suggestion = typeof given === 'string' ? closestMatch(given, options) : undefined;
      problems.push({
        file,
        ...positions.value(path),
        message: `${where}: ${JSON.stringify(given)} is not one of ${options.join(', ')}`,
        hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
      });
      continue;
    }
    if (issue.code === 'invalid_union') {
      // Every branch refused the value's type (binarySha256: 5): say which types are accepted.
      const expected = issue.errors.flatMap((branch) => branch.filter((i) => i.code === 'invalid_type' && i.path.length === 0).map((i) => (i as { expected: string }).expected));
      if (expected.length === issue.errors.length) {
        const given = valueAt(raw, path);
        problems.push({ file, ...positions.value(path), message: `${where}: expected ${expected.map((t) => typeNames[t] ?? t).join(' or ')}, got ${given === null ? 'null' : Array.isArray(given) ? 'a list' : typeof given}` });
        continue;
      }
    }
    const quoteHint =
      issue.code === 'invalid_type' && issue.expected === 'string' && typeof valueAt(raw, path) === 'number'
        ? 'YAML read this as a number; put the value in quotes'
        : undefined;
    problems.push({ file, ...positions.value(path), message: `${where || 'inventory'}: ${issue.message}`, hint: quoteHint ?? hintOf(issue) });
  }
  return dropMissingExplainedByTypos(problems);
}

/** "missing key version" next to "unknown key verison, did you mean version?" says the same thing twice. */
function dropMissingExplainedByTypos(problems: Problem[]): Problem[] {
  const suggested = new Set(problems.flatMap((p) => (p.hint?.startsWith('did you mean') ? [`${p.line}:${p.hint}`] : [])));
  return problems.filter((p) => {
    const missing = /^missing required key "([^"]+)"/.exec(p.message);
    return !missing || !suggested.has(`${p.line}:did you mean "${missing[1]}"?`);
  });
}

const typeNames: Record<string, string> = { string: 'a string', record: 'a mapping', object: 'a mapping', array: 'a list', number: 'a number', boolean: 'true or false' };

/** The hint a grammar refusal carries (schema.ts grammarString puts it in the custom issue's params). */
function hintOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
  return typeof hint === 'string' ? hint : undefined;
}

function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

/** Keys the schema allows in the object at `path` (for "did you mean" hints). */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let node: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!node) return [];
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') node = (def.shape as Record<string, z.core.$ZodType>)[String(segment)];
    else if (def.type === 'array') node = def.element as z.core.$ZodType;
    else if (def.type === 'record') node = def.valueType as z.core.$ZodType;
    else return [];
    node = node ? unwrap(node) : undefined;
  }
  const unionDef = node?._zod.def as unknown as { type: string; options?: z.core.$ZodType[] } | undefined;
  // A union of a string and a map (binarySha256): unknown keys can only come from the map.
  if (unionDef?.type === 'union') node = unionDef.options?.find((o) => (o._zod.def as { type: string }).type === 'record');
  const def = node?._zod.def as unknown as { type: string; shape?: Record<string, unknown>; keyType?: z.core.$ZodType } | undefined;
  if (def?.type === 'record' && def.keyType) {
    // A record keyed by an enum (binarySha256's architectures): its keys are the enum's values.
    const keyDef = def.keyType._zod.def as unknown as { type: string; entries?: Record<string, unknown> };
    return keyDef.type === 'enum' && keyDef.entries ? Object.keys(keyDef.entries) : [];
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(node: z.core.$ZodType): z.core.$ZodType {
  let current = node;
  for (;;) {
    const def = current._zod.def as unknown as { type: string; innerType?: z.core.$ZodType };
    if (def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(def.type)) current = def.innerType;
    else return current;
  }
}
