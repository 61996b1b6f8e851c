// kubectl's `-o jsonpath=TEMPLATE`, the subset real scripts use: text, {"literal"} with \n \t
// escapes, paths (.a.b, ['key'], [N], [*], [?(@.k=="v")] / != on strings and numbers) and
// {range PATH}...{end}. Missing keys print nothing, as with kubectl's default
// --allow-missing-template-keys=true. Anything else is a parse error naming the template, like
// kubectl's "error: error parsing jsonpath ...".

export class JsonPathError extends Error {}

type Segment =
  | { type: 'field'; name: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  | { type: 'filter'; path: Segment[]; op: '==' | '!='; value: string | number };

type Node =
  | { type: 'text'; text: string }
  | { type: 'path'; segments: Segment[] }
  | { type: 'range'; segments: Segment[]; body: Node[] };

function unquote(lit: string, template: string): string {
  try {
    return JSON.parse(lit.startsWith("'") ? `"${lit.slice(1, -1).replace(/"/g, '\\"')}"` : lit) as string;
  } catch {
    throw new JsonPathError(`error parsing jsonpath ${template}, unrecognized character in action: ${lit}`);
  }
}

function parsePath(expr: string, template: string): Segment[] {
  const fail = (): never => {
    throw new JsonPathError(`error parsing jsonpath ${template}, unrecognized character in action: ${expr}`);
  };
  let s = expr.trim();
  if (s.startsWith('$')) s = s.slice(1);
  if (s.startsWith('@')) s = s.slice(1);
  const segments: Segment[] = [];
  while (s.length) {
    let m: RegExpExecArray | null;
    // A backslash escapes a dot inside a field name (`.metadata.labels.kubernetes\.io/os`), as in
    // client-go's jsonpath parser.
    if ((m = /^\.((?:[A-Za-z0-9_\-\/]|\\\.)+)/.exec(s))) segments.push({ type: 'field', name: m[1]!.replace(/\\\./g, '.') });
    else if ((m = /^\[(['"])(.*?)\1\]/.exec(s))) segments.push({ type: 'field', name: m[2]! });
    else if ((m = /^\[(\d+)\]/.exec(s))) segments.push({ type: 'index', index: Number(m[1]) });
    else if ((m = /^\[\*\]/.exec(s)) || (m = /^\.\*/.exec(s))) segments.push({ type: 'wildcard' });
    else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_\-\/]+)+)\s*(==|!=)\s*("[^"]*"|'[^']*'|-?\d+(?:\.\d+)?)\)\]/.exec(s))) {
      const raw = m[3]!;
      const value = /^['"]/.test(raw) ? unquote(raw, template) : Number(raw);
      segments.push({ type: 'filter', path: parsePath(m[1]!, template), op: m[2] as '==' | '!=', value });
    } else if (s === '.') m = /^\./.exec(s);
    else fail();
    s = s.slice(m![0].length);
  }
  return segments;
}

/** Parses a jsonpath template into nodes (ranges nested). */
export function parseJsonPath(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let rest = template;
  while (rest.length) {
    const open = rest.indexOf('{');
    if (open < 0) {
      stack.at(-1)!.push({ type: 'text', text: rest });
      break;
    }
    if (open > 0) stack.at(-1)!.push({ type: 'text', text: rest.slice(0, open) });
    const close = findClose(rest, open, template);
    const action = rest.slice(open + 1, close).trim();
    rest = rest.slice(close + 1);
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError(`error parsing jsonpath ${template}, not in range, nothing to end`);
      stack.pop();
    } else if (action.startsWith('range ')) {
      const node: Node = { type: 'range', segments: parsePath(action.slice(6), template), body: [] };
      stack.at(-1)!.push(node);
      stack.push(node.body);
    } else if (/^(["']).*\1$/s.test(action)) {
      stack.at(-1)!.push({ type: 'text', text: unquote(action, template) });
    } else {
      stack.at(-1)!.push({ type: 'path', segments: parsePath(action, template) });
    }
  }
  if (stack.length > 1) throw new JsonPathError(`error parsing jsonpath ${template}, unclosed action`);
  return root;
}

function findClose(s: string, open: number, template: string): number {
  let quote: string | null = null;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  throw new JsonPathError(`error parsing jsonpath ${template}, unclosed action`);
}

function step(values: unknown[], seg: Segment): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (seg.type === 'field') {
      if (v && typeof v === 'object' && !Array.isArray(v) && seg.name in v) out.push((v as Record<string, unknown>)[seg.name]);
    } else if (seg.type === 'index') {
      if (Array.isArray(v) && seg.index < v.length) out.push(v[seg.index]);
    } else if (seg.type === 'wildcard') {
      if (Array.isArray(v)) out.push(...v);
      else if (v && typeof v === 'object') out.push(...Object.values(v));
    } else {
      const items = Array.isArray(v) ? v : [];
      for (const item of items) {
        const got = evaluate(item, seg.path);
        const hit = got.some((g) => g === seg.value);
        if (seg.op === '==' ? hit : !hit && got.length > 0) out.push(item);
      }
    }
  }
  return out;
}

function evaluate(data: unknown, segments: Segment[]): unknown[] {
  return segments.reduce<unknown[]>((vals, seg) => step(vals, seg), [data]);
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function execute(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.type === 'text') out += n.text;
    else if (n.type === 'path') out += evaluate(data, n.segments).map(show).join(' ');
    else {
      // {range .items[*]} yields the elements; {range .items} yields the array, iterated too.
      const values = evaluate(data, n.segments);
      const items = n.segments.at(-1)?.type === 'wildcard' ? values : values.flatMap((v) => (Array.isArray(v) ? v : [v]));
      for (const item of items) out += execute(n.body, item);
    }
  }
  return out;
}

/** Renders `data` through a kubectl jsonpath template. */
export function renderJsonPath(template: string, data: unknown): string {
  return execute(parseJsonPath(template), data);
}
