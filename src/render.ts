import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from './paths.js';

/**
 * Every remote script and config file is rendered here from templates/, so each has one
 * golden-file test. Handlebars runs with HTML escaping off, so every value that is not a typed
 * value kinstall produces itself goes through the quoting helper of the template's language:
 *   shell (.sh.hbs):            shq / shqlist (POSIX single quotes)
 *   YAML / JSON (.yaml.hbs):    json / yaml (a double-quoted scalar: valid JSON and valid YAML)
 *   TOML (.toml.hbs):           toml (a TOML basic string)
 *   line-oriented files (/etc/hosts, apt .list, yum .repo) and comments: word (refuses anything
 *                               that could end the line or the field, see below)
 *   a quoted shell heredoc body: heredoc (refuses a line equal to the delimiter)
 * tests/unit/templates/no-raw-interpolation.test.ts enforces this on every template.
 */
const hb = Handlebars.create();

/** A value a quoting helper cannot represent safely: rendering stops instead of emitting it. */
export class UnsafeValueError extends Error {
  constructor(helper: string, value: string, why: string) {
    super(`${JSON.stringify(value)} cannot be written by kinstall's ${helper} helper: ${why}; use a simpler value in the inventory`);
    this.name = 'UnsafeValueError';
  }
}

/** POSIX single-quote a value for a shell word (bare when it only holds characters no shell treats specially). */
export function shellQuote(value: unknown): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A JSON value that is also a YAML 1.2 double-quoted scalar / flow value. JSON.stringify already
 * escapes C0 controls, `"` and `\`; YAML additionally forbids raw DEL and C1 controls (they are
 * not "c-printable", YAML 1.2 §5.1) and YAML 1.1 readers (go-yaml, used by kubeadm via
 * sigs.k8s.io/yaml) fold U+2028/U+2029/U+0085 as line breaks, so those are escaped too; a
 * \uXXXX escape means the same character in both languages.
 */
export function jsonQuote(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) throw new UnsafeValueError('json', String(value), 'it has no JSON form');
  return s.replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, hex4);
}

/**
 * A TOML 1.0 basic string (https://toml.io/en/v1.0.0#string): `"` and `\` escaped, the control
 * characters U+0000–U+001F and U+007F escaped (short forms where TOML has one, else \uXXXX),
 * everything else literal. A lone surrogate is not a Unicode scalar value TOML can carry.
 */
export function tomlQuote(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw new UnsafeValueError('toml', String(value), 'only strings and numbers are written as TOML strings');
  const s = String(value);
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new UnsafeValueError('toml', s, 'it holds a lone UTF-16 surrogate, which is not valid Unicode');
  }
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  return `"${s.replace(/["\\\u0000-\u001f\u007f]/g, (c) => short[c] ?? hex4(c))}"`;
}

/**
 * One field of a line-oriented file that has no quoting at all (/etc/hosts, an apt one-line
 * source, a yum .repo value, a comment): the value is written as is, but only when it cannot end
 * the line, start a comment or split into two fields. Anything else stops the render: such a value
 * would have to be refused by the inventory grammar anyway.
 */
export function plainWord(value: unknown): string {
  const s = String(value);
  if (s === '') throw new UnsafeValueError('word', s, 'it is empty');
  // \s covers Unicode spaces and line separators; \p{C} covers controls, format and unassigned characters.
  if (/[\s#"'\\`$]|\p{C}/u.test(s)) throw new UnsafeValueError('word', s, 'it holds white space, a control character or one of # " \' \\ ` $');
  return s;
}

/** The body of a quoted heredoc (<<'DELIM'): nothing in it is expanded, only a line equal to DELIM would end it early. */
export function heredocBody(value: unknown, delimiter: unknown): string {
  const s = String(value);
  const d = String(delimiter);
  if (s.split('\n').some((line) => line === d)) throw new UnsafeValueError('heredoc', s, `a line of it equals the heredoc delimiter ${d}`);
  return s;
}

const safe = (f: (v: unknown) => string) => (v: unknown) => new Handlebars.SafeString(f(v));
hb.registerHelper('shq', safe(shellQuote));
hb.registerHelper('json', safe(jsonQuote));
hb.registerHelper('yaml', safe(jsonQuote));
hb.registerHelper('toml', safe(tomlQuote));
hb.registerHelper('word', safe(plainWord));
hb.registerHelper('heredoc', (v: unknown, d: unknown) => new Handlebars.SafeString(heredocBody(v, d)));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('join', (list: unknown, sep: unknown) =>
  Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ' ') : '',
);
hb.registerHelper('shqlist', (list: unknown) =>
  new Handlebars.SafeString(Array.isArray(list) ? list.map(shellQuote).join(' ') : ''),
);

/** Helpers that quote or vet a value, by template language (used by the template lint). */
export const quotingHelpers = ['shq', 'shqlist', 'json', 'yaml', 'toml', 'word', 'heredoc'] as const;

// Shared shell fragments: `{{> pkg-lock-wait}}` waits for other apt/dnf runs (issue 11 item 12);
// `{{> apt-candidate}}` defines kinstall_apt_candidate, the one reading of apt's candidate.
hb.registerPartial('pkg-lock-holder', fs.readFileSync(path.join(templatesDir, 'partials', 'pkg-lock-holder.sh.hbs'), 'utf8'));
hb.registerPartial('apt-candidate', fs.readFileSync(path.join(templatesDir, 'partials', 'apt-candidate.sh.hbs'), 'utf8'));
hb.registerPartial('pkg-lock-wait', fs.readFileSync(path.join(templatesDir, 'partials', 'pkg-lock-wait.sh.hbs'), 'utf8'));
// `{{> image-store}}`: containerd's image store listed once, and a presence test against it.
hb.registerPartial('image-store', fs.readFileSync(path.join(templatesDir, 'partials', 'image-store.sh.hbs'), 'utf8'));
// etcdctl/etcdutl taken from the etcd image (kinstall backup / restore).
hb.registerPartial('etcd-client', fs.readFileSync(path.join(templatesDir, 'partials', 'etcd-client.sh.hbs'), 'utf8'));

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Render templates/<name> (e.g. "preflight/facts.sh.hbs") with data; throws on missing fields. */
export function render(name: string, data: object): string {
  let tpl = cache.get(name);
  if (!tpl) {
    const file = path.join(templatesDir, name);
    tpl = hb.compile(fs.readFileSync(file, 'utf8'), { noEscape: true, strict: true });
    cache.set(name, tpl);
  }
  return tpl(data);
}
