import fs from 'node:fs';
import os from 'node:os';
import { LineCounter, parseDocument } from 'yaml';
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

export function loadInventory(file: string, options: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ file, line: 1, col: 1, message: `cannot read the inventory: ${(err as Error).message}` }] };
  }
  return loadInventoryText(text, file, options);
}

/** Parses, validates and resolves inventory text; `file` names it in problems and anchors relative paths. */
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
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const message = raw === null || raw === undefined ? 'the inventory is empty' : 'the inventory must be a mapping (apiVersion, kind, metadata, hosts, …)';
    return { ok: false, problems: [{ file, line: 1, col: 1, message }] };
  }

  const positions = new PositionFinder(doc, lineCounter);
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
