import type { Command } from 'commander';
import { z } from 'zod';
import { inventorySchema } from '../../inventory/schema.js';

/**
 * The inventory's JSON Schema as users write it (io: 'input': fields with defaults are optional),
 * generated from the zod schema so the two cannot drift.
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(inventorySchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'kinstall inventory (kinstall/v1alpha1)',
    description: 'Machines and settings kinstall turns into a kubeadm Kubernetes cluster',
  };
}

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description("Print the inventory's JSON Schema (for editor validation)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`);
    });
}
