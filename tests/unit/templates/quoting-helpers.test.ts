import { execFileSync } from 'node:child_process';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { heredocBody, jsonQuote, plainWord, shellQuote, tomlQuote, UnsafeValueError } from '../../../src/render.js';

/** Values that have broken quoting somewhere: shell, sed, YAML, TOML, JSON, line files. */
const hostile = [
  '',
  'plain',
  '$(touch TRIP)',
  '`touch TRIP`',
  '; touch TRIP;',
  "it's",
  "'",
  "''\\''",
  '"',
  '\\',
  '\\"',
  'a\nb',
  'line\n',
  '\r\n',
  '#comment',
  's#.*#x#e',
  's/a/b/',
  '${IFS}x',
  '$HOME',
  '*',
  '~',
  '-n',
  'a\tb',
  ' leading and trailing ',
  'key: value',
  '- item',
  '{a: 1}',
  '[1, 2]',
  '&anchor *alias',
  '!!python/object',
  '|\n  block',
  '>',
  '"""',
  "'''",
  'a = "b"',
  '[table]',
  '\u0000\u0001\u0008\u000b\u000c\u001b\u001f\u007f',
  '\u0085\u00a0\u2028\u2029\ufeff',
  'ünïcödé 日本 🚀',
  'null',
  'true',
  '0x1F',
  '1e3',
  '%s%n',
  'x'.repeat(300),
];

/** Deterministic pseudo-random strings from a wide alphabet (no lone surrogates). */
function fuzzStrings(count: number, seed = 42): string[] {
  const alphabet = [..." \t\n\r!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~azAZ09\u0000\u0007\u007f\u0085\u00e9\u2028\u4e2d\ud83d\ude80"];
  const chars = [...new Set(alphabet)];
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: next() % 24 }, () => chars[next() % chars.length]).join(''));
}

const corpus = [...hostile, ...fuzzStrings(200)];

describe('shq (shellQuote)', () => {
  it('round-trips every value through sh -c \'printf %s …\'', () => {
    // Values go to sh in one script (NUL cannot be in an argv); each printed between markers.
    const values = corpus.filter((v) => !v.includes('\u0000'));
    const script = values.map((v) => `printf '%s\\036' ${shellQuote(v)}`).join('\n');
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(out.split('\u001e').slice(0, -1)).toEqual(values);
  });

  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('node1')).toBe('node1');
    expect(shellQuote('http://a.example/x:1')).toBe('http://a.example/x:1');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('toml (TOML 1.0 basic string)', () => {
  it.each(corpus.map((v) => [JSON.stringify(v).slice(0, 40), v]))('round-trips %s through smol-toml', (_name, v) => {
    expect(parseToml(`k = ${tomlQuote(v)}\n`).k).toBe(v);
    // As a quoted key too (hosts.toml writes [host."<url>"]).
    expect(Object.keys(parseToml(`[host.${tomlQuote(v)}]\nx = 1\n`).host as object)).toEqual([v]);
  });

  it('uses the short escapes and \\uXXXX for the other control characters', () => {
    expect(tomlQuote('a"b\\c\b\t\n\f\r')).toBe('"a\\"b\\\\c\\b\\t\\n\\f\\r"');
    expect(tomlQuote('\u0000\u001f\u007f')).toBe('"\\u0000\\u001F\\u007F"');
    expect(tomlQuote('ü🚀')).toBe('"ü🚀"');
  });

  it('refuses what TOML cannot hold', () => {
    expect(() => tomlQuote('\ud800')).toThrow(UnsafeValueError);
    expect(() => tomlQuote({})).toThrow(UnsafeValueError);
  });
});

describe('json / yaml (a JSON string that is also a YAML double-quoted scalar)', () => {
  it.each(corpus.map((v) => [JSON.stringify(v).slice(0, 40), v]))('round-trips %s through JSON.parse and the yaml parser (1.2 and 1.1)', (_name, v) => {
    const q = jsonQuote(v);
    expect(JSON.parse(q)).toBe(v);
    expect(parseYaml(`k: ${q}\n`).k).toBe(v);
    expect(parseYaml(`k: ${q}\n`, { version: '1.1' }).k).toBe(v);
    expect(parseYaml(`- ${q}\n`)).toEqual([v]);
    // One physical line whatever the value (comments and line-based readers stay intact).
    expect(q).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
  });

  it('escapes what YAML does not allow raw (DEL, C1, line and paragraph separators)', () => {
    expect(jsonQuote('\u007f\u0085\u2028')).toBe('"\\u007F\\u0085\\u2028"');
    expect(jsonQuote(['a', 1])).toBe('["a",1]');
  });
});

describe('word (a field of a line-oriented file)', () => {
  it('passes plain values through unchanged', () => {
    for (const v of ['node1', '10.77.0.11', 'fd00::1', 'https://pkgs.k8s.io/core:/stable:/v1.28/deb/', '/etc/apt/keyrings/k.gpg']) expect(plainWord(v)).toBe(v);
  });

  it('refuses anything that could end the line, start a comment or split the field', () => {
    for (const v of ['', 'a b', 'a\nb', 'a\tb', '#x', 'a\u2028b', 'a\u00a0b', 'a\u0000', 'a\u007f', '$x', '`x`', "'", '"', '\\']) {
      expect(() => plainWord(v), JSON.stringify(v)).toThrow(UnsafeValueError);
    }
  });
});

describe('heredoc (the body of a quoted heredoc)', () => {
  it('keeps the body and refuses a line equal to the delimiter', () => {
    expect(heredocBody('a b\n$(x)\n', 'EOF')).toBe('a b\n$(x)\n');
    expect(heredocBody('EOF2\n EOF\n', 'EOF')).toBe('EOF2\n EOF\n');
    expect(() => heredocBody('a\nEOF\nb\n', 'EOF')).toThrow(UnsafeValueError);
  });

  it('a body it lets through is read back verbatim by sh', () => {
    for (const body of ['x\n', '$(touch TRIP) `id` ${IFS}\n', "'\"\\\n"]) {
      const script = `cat <<'EOF'\n${heredocBody(body, 'EOF')}EOF\n`;
      expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' })).toBe(body);
    }
  });
});
