import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../../../src/paths.js';
import { runValidate } from './helpers.js';

/**
 * Issue 10 item 9: mutated inventories through the real `kinstall validate` path. Whatever the
 * input, validate ends with exit 0 or 2 (never a crash: exit 4 and a stack trace), every line it
 * prints is `FILE:LINE:COL: message`, a `  hint:` line or the closing `error:` line, and no case
 * takes 5 s. The seed is fixed so a failure reproduces; KINSTALL_FUZZ_SEED picks another one.
 */
const SEED = Number(process.env.KINSTALL_FUZZ_SEED ?? 20261129);
const CASES = 320;
const base = fs.readFileSync(path.join(projectRoot, 'inventories', 'example.yaml'), 'utf8');
const baseObject = parse(base) as Record<string, unknown>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof prng>;
const pick = <T,>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const unicode = ['é', 'ß', 'İ', 'ﬁ', '\u202e', '\u200b', '🙂', '\u0000', '\u0007', '\ud800', 'Ω', '한', '\u00a0', '\u2028', 'K'];
const hostile = ['$(touch /tmp/p)', '`id`', '"; id; "', "'; id; '", '../../etc/cron.d/x', '#;s#.*#touch /tmp/p#e;#', '\n- x', '{{x}}', '%00', 'a\\b'];

function randomString(rnd: Random): string {
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return pick(rnd, hostile);
    case 1:
      return Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => pick(rnd, unicode)).join('');
    case 2:
      return pick(rnd, ['x', 'A', '1', '-']).repeat(Math.floor(rnd() * 200_000)); // huge strings
    case 3:
      return `${pick(rnd, ['lb.example.com', '1.7.24', 'https://m.example', 'docker.io', 'cp1'])}${pick(rnd, hostile)}`;
    default:
      return pick(rnd, ['', ' ', 'fd00::1', '10.0.0.300', 'NoSchedule', '1.28.15', 'kinstall/v1alpha1', 'node-role.kubernetes.io/x']);
  }
}

function randomValue(rnd: Random, depth = 0): unknown {
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return randomString(rnd);
    case 1:
      return pick(rnd, [0, -1, 1.5, 65536, 1e308, Number.MAX_SAFE_INTEGER]);
    case 2:
      return pick(rnd, [true, false]);
    case 3:
      return null;
    case 4:
      return depth > 3 ? [] : Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    case 5:
      return depth > 3 ? {} : Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [randomString(rnd).slice(0, 40), randomValue(rnd, depth + 1)]));
    case 6: {
      let nested: unknown = 'x'; // deep nesting, shallow enough for stringify
      for (let i = 0; i < 50 + Math.floor(rnd() * 200); i++) nested = rnd() < 0.5 ? [nested] : { k: nested };
      return nested;
    }
    default:
      return randomString(rnd);
  }
}

/** Every [path] to a value in the document, so a mutation can land anywhere. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutateObject(rnd: Random): Record<string, unknown> {
  const doc = structuredClone(baseObject);
  const count = 1 + Math.floor(rnd() * 3);
  for (let m = 0; m < count; m++) {
    const all = paths(doc).filter((p) => p.length > 0);
    const target = pick(rnd, all);
    let parent: Record<string | number, unknown> = doc;
    for (const segment of target.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    if (parent === null || typeof parent !== 'object') continue;
    const key = target[target.length - 1]!;
    const kind = Math.floor(rnd() * 4);
    if (kind === 0) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key]; // deletion
    } else if (kind === 1 && !Array.isArray(parent)) {
      parent[`${String(key)}${pick(rnd, ['x', 's', '_'])}`] = parent[key]; // an unknown key beside a known one
    } else {
      parent[key] = randomValue(rnd); // type swaps, huge/unicode strings, nesting
    }
  }
  return doc;
}

function mutateText(rnd: Random, text: string): string | Buffer {
  const lines = text.split('\n');
  const at = Math.floor(rnd() * lines.length);
  switch (Math.floor(rnd() * 9)) {
    case 0: // duplicate keys
      lines.splice(at, 0, lines[at]!);
      return lines.join('\n');
    case 1: // BOM
      return `\uFEFF${text}`;
    case 2: // binary garbage
      return Buffer.concat([Buffer.from(lines.slice(0, at).join('\n')), Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256))), Buffer.from(lines.slice(at).join('\n'))]);
    case 3: // aliases: undefined, many, nested
      return pick(rnd, [
        `${text}\nx: *nowhere\n`,
        `${text.replace('ssh:', 'ssh: &ssh')}\nextra: [${Array.from({ length: Math.floor(rnd() * 300) }, () => '*ssh').join(', ')}]\n`,
        `${text}\nb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `b${i + 1}: &b${i + 1} [${Array(10).fill(`*b${i}`).join(', ')}]`).join('\n')}\n`,
        text.replace('hosts:', 'hosts: &h').replace('kubernetes:', 'copy: *h\nkubernetes:'),
      ]);
    case 4: // deep nesting in flow style
      return `${text}\ndeep: ${'['.repeat(1000 + Math.floor(rnd() * 20000))}`;
    case 5: // truncation
      return text.slice(0, Math.floor(rnd() * text.length));
    case 6: // random character flips
      return [...text].map((c) => (rnd() < 0.02 ? pick(rnd, [':', '-', '{', '[', '"', "'", '&', '*', '!', '|', '>', '\t', '\n', '#', '%', '@', '`', ...unicode]) : c)).join('');
    case 7: // indentation damage
      lines[at] = `${' '.repeat(Math.floor(rnd() * 8))}${lines[at]!.trimStart()}`;
      return lines.join('\n');
    default: // tags and odd scalars
      return text.replace(/: (\S+)/, pick(rnd, [': !!binary aGVsbG8=', ': !custom $1', ': !!str', ': !!int x', ': .nan', ': 0x1F', ': 2001-12-14', ': ~']));
  }
}

function makeCase(index: number): { name: string; content: string | Buffer } {
  const rnd = prng(SEED + index * 7919);
  const structured = rnd() < 0.5;
  if (structured) {
    let content: string;
    try {
      content = stringify(mutateObject(rnd), { aliasDuplicateObjects: false, lineWidth: 0 });
    } catch {
      content = mutateText(rnd, base).toString();
    }
    return { name: `case-${index}-object.yaml`, content };
  }
  return { name: `case-${index}-text.yaml`, content: mutateText(rnd, base) };
}

describe(`fuzz: ${CASES} mutated inventories through kinstall validate (seed ${SEED}; KINSTALL_FUZZ_SEED=${SEED} reproduces)`, () => {
  it('end in exit 0 or 2, print only positioned problems, and take under 5 s each', async () => {
    let invalid = 0;
    for (let index = 0; index < CASES; index++) {
      const { name, content } = makeCase(index);
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      const result = await runValidate(file);
      const where = `seed ${SEED}, case ${index} (${name}); exit ${result.code}; stderr: ${result.err.slice(0, 600)}`;
      expect([0, 2], where).toContain(result.code);
      expect(result.ms, where).toBeLessThan(5000);
      if (result.code === 2) {
        invalid += 1;
        const lines = result.err.trimEnd().split('\n');
        const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const allowed = new RegExp(`^(${escaped}:\\d+:\\d+: .+|  hint: .*|error: ${escaped} is invalid \\(\\d+ problems?\\))$`);
        for (const line of lines) expect(line, where).toMatch(allowed);
        expect(lines.at(-1), where).toMatch(/^error: /);
        // The catch-all in validate means a loader bug, not a refusal of the input.
        expect(result.err, where).not.toMatch(/cannot load the inventory|internal error/);
      } else {
        expect(result.out, where).toMatch(/^OK /);
      }
      fs.rmSync(file);
    }
    // Mutations must mostly produce invalid inventories, or the fuzz tests nothing.
    expect(invalid).toBeGreaterThan(CASES / 2);
  }, 300_000);
});
