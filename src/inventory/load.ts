import fs from 'node:fs';
import os from 'node:os';
import { isAlias, isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ExitCode, KinstallError } from '../errors.js';
import { PositionFinder } from './positions.js';
import { formatProblem, sortProblems, type Problem } from './problems.js';
import { resolveHosts } from './resolve.js';
import { schemaIssuesToProblems } from './schema-issues.js';
import { inventorySchema, kubernetesSchema, roles as knownRoles, type Inventory } from './schema.js';
import type { ResolvedHost } from './types.js';
import { validateCrossFields, type CrossFieldInput, type ValidateOptions } from './validate.js';

export { formatProblem, type Problem };

export interface LoadedInventory {
  inventory: Inventory;
  hosts: ResolvedHost[];
  file: string;
}
export type LoadResult = ({ ok: true } & LoadedInventory) | { ok: false; problems: Problem[] };

export interface LoadOptions extends ValidateOptions {
  /** Environment for defaults (SSH_AUTH_SOCK); process.env when omitted. */
  env?: Record<string, string | undefined>;
  /** Home directory for ~ expansion; os.homedir() when omitted. */
  homeDir?: string;
}

/** Largest inventory file read (bytes): a real inventory is a few KiB; /dev/zero is not read at all. */
export const MAX_INVENTORY_BYTES = 1024 * 1024;
/** Most YAML aliases (`*name`) an inventory may hold: enough for shared ssh blocks, far from an alias bomb. */
export const MAX_ALIASES = 100;

export function loadInventory(file: string, options: LoadOptions = {}): LoadResult {
  const read = readInventoryFile(file);
  if (!read.ok) return { ok: false, problems: [{ file, line: 1, col: 1, ...read.problem }] };
  return loadInventoryText(read.text, file, options);
}

/**
 * Reads a regular file of at most MAX_INVENTORY_BYTES as UTF-8. Devices, FIFOs and directories
 * are refused before any byte is read (O_NONBLOCK so a FIFO swapped in after the stat cannot
 * block the open; the opened descriptor is checked again), and no read goes past the limit.
 */
function readInventoryFile(file: string): { ok: true; text: string } | { ok: false; problem: Omit<Problem, 'file' | 'line' | 'col'> } {
  let fd: number | undefined;
  try {
    const before = fs.statSync(file);
    const notRegular = describeNonRegular(before);
    if (notRegular) return { ok: false, problem: { message: `the inventory is ${notRegular}, not a regular file`, hint: 'give the path of the inventory YAML file' } };
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    const swapped = describeNonRegular(stat);
    if (swapped) return { ok: false, problem: { message: `the inventory is ${swapped}, not a regular file` } };
    if (stat.size > MAX_INVENTORY_BYTES) return { ok: false, problem: tooLarge(stat.size) };
    const buffer = Buffer.alloc(MAX_INVENTORY_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_INVENTORY_BYTES) return { ok: false, problem: tooLarge(length) };
    }
    return decodeUtf8(buffer.subarray(0, length));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'ENOENT' ? 'check the path' : e.code === 'EACCES' ? 'check the file permissions' : undefined;
    return { ok: false, problem: { message: `cannot read the inventory: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message.replace(/^[A-Z]+: /, '')}`, hint } };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function describeNonRegular(stat: fs.Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooLarge(size: number): Omit<Problem, 'file' | 'line' | 'col'> {
  return { message: `the inventory is larger than ${MAX_INVENTORY_BYTES} bytes (${size > MAX_INVENTORY_BYTES ? 'at least ' : ''}${size} bytes)`, hint: 'an inventory is a small YAML file; check the path' };
}

/** Strict UTF-8: binary data is refused at the line of its first invalid byte, not turned into U+FFFD. */
function decodeUtf8(bytes: Buffer): { ok: true; text: string } | { ok: false; problem: Omit<Problem, 'file'> } {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, bad).filter((b) => b === 0x0a).length + 1;
    return { ok: false, problem: { line, col: 1, message: 'the inventory is not UTF-8 text', hint: 'save the file as UTF-8' } };
  }
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (lead byte and continuation bytes). */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return 0; // overlong forms and surrogates: the decoder refused them, report the first line
}

/** Parses, validates and resolves inventory text; `file` names it in problems and anchors relative paths. */
/** Top-level sections with defaults: an empty one (YAML null) reads as absent. */
const optionalSections = ['ssh', 'containerd', 'network', 'addons', 'firewall', 'preflight'] as const;

export function loadInventoryText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((err) => {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        return { file, line, col, message: `YAML syntax: ${err.message.split('\n')[0]}` };
      }),
    };
  }
  const aliases = checkAliases(doc, lineCounter, file);
  if (aliases.problem) return { ok: false, problems: [aliases.problem] };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // checkAliases catches what it can point at; this keeps any other yaml refusal an exit 2.
    // yaml counts the nodes aliases expand to: nested aliases (a "billion laughs") end here.
    const message = /excessive alias count/i.test((err as Error).message)
      ? 'YAML aliases expand to too many nodes (resource exhaustion attack?)'
      : `YAML: ${(err as Error).message.split('\n')[0]}`;
    return { ok: false, problems: [{ file, ...(aliases.first ?? { line: 1, col: 1 }), message, hint: 'write the values out instead of nesting aliases' }] };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const message = raw === null || raw === undefined ? 'the inventory is empty' : 'the inventory must be a mapping (apiVersion, kind, metadata, hosts, …)';
    return { ok: false, problems: [{ file, line: 1, col: 1, message }] };
  }

  const positions = new PositionFinder(doc, lineCounter);
  // An optional section written with nothing under it (`containerd:` with every line commented
  // out) is YAML null: it means "the defaults", as if the key were absent.
  for (const key of optionalSections) if ((raw as Record<string, unknown>)[key] === null) delete (raw as Record<string, unknown>)[key];
  const parsed = inventorySchema.safeParse(raw);
  const problems = parsed.success ? [] : schemaIssuesToProblems(parsed.error.issues, { file, raw, positions, schema: inventorySchema });
  problems.push(...validateCrossFields(lenientFields(raw as Record<string, unknown>), { file, positions }, options));

  if (problems.length > 0 || !parsed.success) return { ok: false, problems: sortProblems(problems) };
  const hosts = resolveHosts(parsed.data, (index) => positions.value(['hosts', index]), {
    inventoryFile: file,
    homeDir: options.homeDir ?? os.homedir(),
    env: options.env ?? process.env,
  });
  return { ok: true, inventory: parsed.data, hosts, file };
}

/**
 * Aliases are where YAML turns a small file into a huge value ("billion laughs") or into a crash
 * (an alias to an anchor not defined before it). Both are refused at the alias, before toJS.
 */
function checkAliases(doc: Document, lineCounter: LineCounter, file: string): { problem?: Problem; first?: { line: number; col: number } } {
  const anchors = new Set<string>();
  let aliases = 0;
  let problem: Problem | undefined;
  let first: { line: number; col: number } | undefined;
  const at = (node: { range?: [number, number, number] | null }): { line: number; col: number } => {
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    return { line, col };
  };
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      aliases += 1;
      first ??= at(node);
      if (!anchors.has(node.source)) {
        problem = { file, ...at(node), message: `YAML alias *${node.source} refers to no anchor defined before it`, hint: `define &${node.source} earlier in the file` };
        return visit.BREAK;
      }
      if (aliases > MAX_ALIASES) {
        problem = { file, ...at(node), message: `more than ${MAX_ALIASES} YAML aliases`, hint: 'an inventory needs few aliases; write the values out' };
        return visit.BREAK;
      }
    } else if (isNode(node) && node.anchor) {
      anchors.add(node.anchor);
    }
    return undefined;
  });
  return { problem, first };
}

/** The fields cross-field rules read, each taken only when it has the right type (see CrossFieldInput). */
function lenientFields(raw: Record<string, unknown>): CrossFieldInput {
  const rawHosts = Array.isArray(raw.hosts) ? (raw.hosts as unknown[]) : [];
  const hosts = rawHosts.map((host, index) => {
    const fields = asRecord(host);
    const roles = Array.isArray(fields.roles) ? (fields.roles as unknown[]) : undefined;
    return {
      index,
      name: asString(fields.name),
      address: asString(fields.address),
      internalAddress: asString(fields.internalAddress),
      setHostname: typeof fields.setHostname === 'boolean' ? fields.setHostname : undefined,
      roles: (roles ?? []).filter((r): r is string => typeof r === 'string'),
      rolesValid: roles !== undefined && roles.length > 0 && roles.every((r) => (knownRoles as readonly unknown[]).includes(r)),
    };
  });
  const kubernetes = raw.kubernetes === undefined ? undefined : asRecord(raw.kubernetes);
  const defaults = kubernetesSchema.shape;
  const withDefault = (value: unknown, fallback: string): string | undefined => (value === undefined ? fallback : asString(value));
  return {
    hosts: hosts.map(({ rolesValid: _unused, ...fields }) => fields),
    rolesComplete: hosts.length > 0 && hosts.every((h) => h.rolesValid),
    kubernetes: kubernetes && {
      version: asString(kubernetes.version),
      podSubnet: withDefault(kubernetes.podSubnet, defaults.podSubnet.parse(undefined)),
      serviceSubnet: withDefault(kubernetes.serviceSubnet, defaults.serviceSubnet.parse(undefined)),
      controlPlaneEndpoint: asString(kubernetes.controlPlaneEndpoint),
    },
    apiEndpoint: kubernetes?.apiEndpoint !== undefined && kubernetes.apiEndpoint !== null && typeof kubernetes.apiEndpoint === 'object'
      ? { kubeVipAddress: asString(asRecord(asRecord(kubernetes.apiEndpoint).kubeVip).address) }
      : undefined,
    containerdVersion: asString(asRecord(raw.containerd).version),
    preflightIgnore: (() => {
      const ignore = asRecord(raw.preflight).ignore;
      return Array.isArray(ignore) && ignore.every((id) => typeof id === 'string') ? (ignore as string[]) : undefined;
    })(),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** For commands that need a valid inventory: every problem in one KinstallError (exit code 2). */
export function loadInventoryOrThrow(file: string, options: LoadOptions = {}): LoadedInventory {
  const result = loadInventory(file, options);
  if (result.ok) return { inventory: result.inventory, hosts: result.hosts, file: result.file };
  throw new InventoryInvalidError(file, result.problems);
}

export class InventoryInvalidError extends KinstallError {
  readonly problems: Problem[];
  constructor(file: string, problems: Problem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid inventory ${file} (${count}):\n${problems.map(formatProblem).join('\n')}`, {
      exitCode: ExitCode.usage,
      hint: `kinstall validate ${file} checks the file without touching any host`,
    });
    this.name = 'InventoryInvalidError';
    this.problems = problems;
  }
}
