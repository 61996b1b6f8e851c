import { testHost } from '../../helpers/hosts.js';
import fs from 'node:fs';
import path from 'node:path';
import { inventorySchema } from '../../../src/inventory/schema.js';
import type { Inventory, ResolvedHost, Role } from '../../../src/inventory/types.js';
import { parseFacts } from '../../../src/preflight/facts.js';
import type { HostFacts } from '../../../src/preflight/types.js';

export const fixturesDir = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'facts');

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(fixturesDir, name), 'utf8');
}

/** Parsed facts of a recorded host; a fresh copy each time so tests may mutate it. */
export function fixtureFacts(name: 'debian12' | 'ubuntu2204' | 'rocky9'): HostFacts {
  return parseFacts(fixtureText(`${name}.txt`));
}

/** A valid inventory (schema defaults applied) with the given top-level sections replaced. */
export function makeInventory(overrides: Record<string, unknown> = {}): Inventory {
  return inventorySchema.parse({
    apiVersion: 'kinstall/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'demo' },
    hosts: [
      { name: 'cp1', address: '10.77.0.11', roles: ['control-plane'] },
      { name: 'w1', address: '10.77.0.12', roles: ['worker'] },
    ],
    kubernetes: { version: '1.28.15' },
    ...overrides,
  });
}

export function makeHost(name: string, roles: Role[], address = '10.77.0.11', setHostname = true): ResolvedHost {
  return testHost(name, roles, address, setHostname);
}

export const controlPlane = makeHost('cp1', ['control-plane']);
export const worker = makeHost('w1', ['worker'], '10.77.0.12');

import { hostChecks } from '../../../src/preflight/checks.js';
import type { CheckOutcome } from '../../../src/preflight/types.js';

/** Runs one host check by id. */
export function runCheck(id: string, facts: HostFacts, host: ResolvedHost = controlPlane, inventory: Inventory = makeInventory()): CheckOutcome {
  const check = hostChecks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check.run({ host, facts, inventory });
}
