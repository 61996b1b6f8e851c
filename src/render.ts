import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from './paths.js';

/**
 * Every remote script and config file is rendered here from templates/, so each has one
 * golden-file test. Handlebars runs with HTML escaping off: values that reach a shell must go
 * through the `shq` helper, which is the only quoting rule scripts rely on.
 */
const hb = Handlebars.create();

/** POSIX single-quote a value for a shell word. */
export function shellQuote(value: unknown): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

hb.registerHelper('shq', (v: unknown) => new Handlebars.SafeString(shellQuote(v)));
hb.registerHelper('json', (v: unknown) => new Handlebars.SafeString(JSON.stringify(v)));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('join', (list: unknown, sep: unknown) =>
  Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ' ') : '',
);
hb.registerHelper('shqlist', (list: unknown) =>
  new Handlebars.SafeString(Array.isArray(list) ? list.map(shellQuote).join(' ') : ''),
);

// Shared shell fragments: `{{> pkg-lock-wait}}` waits for other apt/dnf runs (issue 11 item 12).
hb.registerPartial('pkg-lock-wait', fs.readFileSync(path.join(templatesDir, 'partials', 'pkg-lock-wait.sh.hbs'), 'utf8'));

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
