/** Cobra-style flag parsing for the kubeadm simulator: unknown flags fail like cobra's. */
export type FlagKind = 'string' | 'bool' | 'list';

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | boolean | string[]>;
  /** Flags the user actually set (for the --config mixing rule). */
  set: string[];
}

export class UsageError extends Error {}

export function parseFlags(argv: string[], spec: Record<string, FlagKind>, shorthands: Record<string, string> = {}): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | boolean | string[]>();
  const set: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positional.push(a); continue; }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      inline = eq === -1 ? undefined : a.slice(eq + 1);
    } else {
      const short = a.slice(1, 2);
      const long = shorthands[short];
      if (!long) throw new UsageError(`unknown shorthand flag: '${short}' in ${a}`);
      name = long;
      inline = a.length > 2 ? a.slice(2).replace(/^=/, '') : undefined;
    }
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag: --${name}`);
    let value: string | boolean;
    if (kind === 'bool') {
      if (inline !== undefined && !['true', 'false'].includes(inline)) throw new UsageError(`invalid argument "${inline}" for "--${name}" flag: strconv.ParseBool: parsing "${inline}": invalid syntax`);
      value = inline === undefined ? true : inline === 'true';
    } else {
      if (inline !== undefined) value = inline;
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new UsageError(`flag needs an argument: --${name}`);
    }
    if (kind === 'list') {
      const prev = (flags.get(name) as string[] | undefined) ?? [];
      flags.set(name, [...prev, ...String(value).split(',').filter(Boolean)]);
    } else flags.set(name, value);
    set.push(name);
  }
  return { positional, flags, set };
}

/**
 * cmd/kubeadm/app/apis/kubeadm/validation/validation.go isAllowedFlag: with --config only these
 * flags, and any --skip-*, may be given (so --certificate-key, --patches, --cri-socket belong in
 * the config file).
 */
export function isAllowedFlag(name: string): boolean {
  const allowed = ['config', 'ignore-preflight-errors', 'dry-run', 'kubeconfig', 'node-name', 'kubeconfig-dir', 'upload-certs', 'print-join-command', 'rootfs', 'v', 'log-file'];
  return allowed.includes(name) || name.startsWith('skip-');
}

/**
 * validation.go ValidateMixedArguments: the flags set beside --config that isAllowedFlag refuses,
 * in pflag's Visit order (sorted), as `can not mix '--config' with arguments [a b]`.
 * `extraAllowed`: flags a subcommand adds that do not count (e.g. `config images list -o`).
 */
export function checkConfigMixing(args: ParsedArgs, extraAllowed: string[] = []): void {
  if (!args.flags.has('config')) return;
  const bad = [...new Set(args.set.filter((f) => !isAllowedFlag(f) && !extraAllowed.includes(f)))].sort();
  if (bad.length > 0) throw new UsageError(`can not mix '--config' with arguments [${bad.join(' ')}]`);
}

export const str = (a: ParsedArgs, n: string): string | undefined => a.flags.get(n) as string | undefined;
export const bool = (a: ParsedArgs, n: string): boolean => a.flags.get(n) === true;
export const list = (a: ParsedArgs, n: string): string[] => (a.flags.get(n) as string[] | undefined) ?? [];
