import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../../../src/paths.js';

/**
 * The template lint behind tests/unit/templates/no-raw-interpolation.test.ts: every `{{…}}` that
 * writes into a template's output must go through the quoting helper of the language it lands in,
 * or be a field on the reviewed allow-list of typed values (numbers, enums, kinstall's own
 * constants and computed paths). Block helpers ({{#if}}, {{#each}}, {{else}}) and
 * sub-expressions only steer the template and write nothing themselves.
 */

export type Language = 'sh' | 'yaml' | 'toml' | 'line';

/** The helpers that make a value safe, per language; comments only need the value on one line. */
export const helpersFor: Record<Language, { code: string[]; comment: string[] }> = {
  // shq inside a comment would be unsafe (a quoted newline ends the comment); json is one line.
  sh: { code: ['shq', 'shqlist', 'heredoc'], comment: ['json', 'word'] },
  yaml: { code: ['json', 'yaml'], comment: ['json', 'yaml', 'word'] },
  toml: { code: ['toml'], comment: ['toml', 'json', 'word'] },
  // /etc/hosts, apt one-line sources, yum .repo, systemd units: no quoting exists, so values are vetted.
  line: { code: ['word'], comment: ['word', 'json'] },
};

export interface AllowEntry {
  /** The field as written, without `this.` and `../` (e.g. "waitSeconds", "kind"). */
  field: string;
  /** Only in these templates (relative to templates/); every template when omitted. */
  templates?: string[];
  reason: string;
}

export interface Violation {
  template: string;
  line: number;
  column: number;
  text: string;
  message: string;
}

export function languageOf(template: string): Language {
  if (template.endsWith('.sh.hbs')) return 'sh';
  if (template.endsWith('.yaml.hbs')) return 'yaml';
  if (template.endsWith('.toml.hbs')) return 'toml';
  return 'line';
}

/** "this.kind" → "kind", "../timeout" → "timeout", "this" stays "this". */
export function fieldName(original: string): string {
  let f = original;
  while (f.startsWith('../')) f = f.slice(3);
  if (f.startsWith('this.')) f = f.slice(5);
  return f;
}

const partialExtensions: Record<string, string> = { sh: 'sh', yaml: 'yaml', toml: 'toml', line: 'txt' };
function extensionOf(lang: string): string {
  return partialExtensions[lang] ?? lang;
}
function partialExists(name: string, lang: string): boolean {
  return /^[a-z0-9-]+$/.test(name) && fs.existsSync(path.join(templatesDir, 'partials', `${name}.${extensionOf(lang)}.hbs`));
}

export function lintTemplate(template: string, source: string, allow: readonly AllowEntry[]): Violation[] {
  const lang = languageOf(template);
  const lines = source.split('\n');
  const violations: Violation[] = [];
  const at = (node: hbs.AST.Node, message: string): void => {
    const { line, column } = node.loc.start;
    const end = node.loc.end;
    const text = line === end.line ? (lines[line - 1] ?? '').slice(column, end.column) : (lines[line - 1] ?? '').slice(column);
    violations.push({ template, line, column: column + 1, text, message });
  };
  // A comment line of the output: the template line starts with # before this mustache.
  const inComment = (node: hbs.AST.Node): boolean => (lines[node.loc.start.line - 1] ?? '').slice(0, node.loc.start.column).trimStart().startsWith('#');

  const mustache = (node: hbs.AST.MustacheStatement): void => {
    if (node.path.type !== 'PathExpression') {
      at(node, 'a literal or sub-expression written raw');
      return;
    }
    const path = node.path as hbs.AST.PathExpression;
    const isHelperCall = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const comment = inComment(node);
    if (isHelperCall) {
      const ok = comment ? helpersFor[lang].comment : helpersFor[lang].code;
      if (!ok.includes(path.original)) {
        at(node, `helper "${path.original}" is not a quoting helper for ${comment ? `a ${lang} comment` : lang} (use one of: ${ok.join(', ')})`);
      }
      return;
    }
    const field = fieldName(path.original);
    const entry = allow.find((e) => e.field === field && (!e.templates || e.templates.includes(template)));
    if (!entry) {
      const ok = comment ? helpersFor[lang].comment : helpersFor[lang].code;
      at(node, `raw interpolation of "${path.original}" in ${comment ? `a ${lang} comment` : lang}: wrap it in ${ok.join(' or ')}, or add a reviewed allow-list entry if it is a typed value`);
    }
  };

  const walk = (nodes: hbs.AST.Statement[]): void => {
    for (const node of nodes) {
      switch (node.type) {
        case 'MustacheStatement':
          mustache(node as hbs.AST.MustacheStatement);
          break;
        case 'BlockStatement': {
          // The block's own params ({{#each hosts}}, {{#if (eq a "b")}}) are never written out.
          const block = node as hbs.AST.BlockStatement;
          if (block.program) walk(block.program.body);
          if (block.inverse) walk(block.inverse.body);
          break;
        }
        case 'PartialStatement': {
          // `{{> name}}` with no context or parameters renders templates/partials/<name>.<lang>.hbs
          // with the caller's data: that file is linted on its own like every template, so the
          // inclusion is safe when the partial exists in the same language. Anything else
          // (a context, parameters, a dynamic name, another language) is refused.
          const partial = node as hbs.AST.PartialStatement;
          const name = partial.name.type === 'PathExpression' ? (partial.name as hbs.AST.PathExpression).original : undefined;
          const plain = partial.params.length === 0 && (partial.hash?.pairs.length ?? 0) === 0;
          if (!name || !plain || !partialExists(name, lang)) {
            at(node, `partial must be a plain {{> name}} of templates/partials/<name>.${extensionOf(lang)}.hbs`);
          }
          break;
        }
        case 'PartialBlockStatement':
          at(node, 'partial blocks are not supported by the template lint: inline the text or extend the lint');
          break;
        default:
          // ContentStatement, CommentStatement: literal text and {{! comments }}.
          break;
      }
    }
  };
  walk(Handlebars.parse(source).body);
  return violations;
}

/** Every template under dir (relative names), sorted. */
export function listTemplates(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.hbs')) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
