import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadInventory, loadInventoryOrThrow, InventoryInvalidError } from '../../../src/inventory/load.js';
import { inventorySchema } from '../../../src/inventory/schema.js';
import { buildProgram, main } from '../../../src/cli/main.js';
import { inventoryJsonSchema } from '../../../src/cli/commands/schema.js';
import { projectRoot } from '../../../src/paths.js';

const example = path.join(projectRoot, 'inventories', 'example.yaml');
const lab = path.join(projectRoot, 'inventories', 'lab.yaml');

describe('shipped inventories', () => {
  it('example.yaml is valid', () => {
    const result = loadInventory(example, { env: {} });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('lab.yaml describes the lab', () => {
    const { inventory, hosts } = loadInventoryOrThrow(lab, { env: {} });
    expect(hosts.map((h) => [h.name, h.address, h.isControlPlane])).toEqual([
      ['node1', '10.77.0.11', true],
      ['node2', '10.77.0.12', false],
      ['node3', '10.77.0.13', false],
    ]);
    expect(hosts[0]!.ssh).toMatchObject({
      user: 'root',
      identityFile: path.join(projectRoot, '.lab', 'id_ed25519'),
      knownHostsFile: path.join(projectRoot, '.lab', 'known_hosts'),
    });
    expect(inventory.kubernetes).toMatchObject({
      version: '1.28.15',
      imageRepository: '10.77.255.1:5000/google_containers',
      packageRepository: 'http://10.77.255.1:8080/core/stable',
    });
    expect(inventory.containerd).toMatchObject({
      version: '1.6.20',
      registryMirrors: { 'docker.io': ['http://10.77.255.1:5000'], '10.77.255.1:5000': ['http://10.77.255.1:5000'] },
    });
  });
});

describe('loadInventoryOrThrow', () => {
  it('throws one usage error listing every problem', () => {
    expect(() => loadInventoryOrThrow('/nonexistent/inv.yaml')).toThrow(InventoryInvalidError);
    try {
      loadInventoryOrThrow('/nonexistent/inv.yaml');
    } catch (err) {
      expect((err as InventoryInvalidError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^invalid inventory \/nonexistent\/inv\.yaml \(1 problem\):\n\/nonexistent\/inv\.yaml:1:1: cannot read the inventory: ENOENT/);
    }
  });
});

describe('kinstall validate / schema', () => {
  const out: string[] = [];
  const err: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
    err.length = 0;
    process.exitCode = undefined;
  });
  const capture = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  };

  it('validate: exit 0 and one summary line', async () => {
    capture();
    const code = await main(['node', 'kinstall', 'validate', lab]);
    expect(code).toBe(0);
    expect(out.join('')).toBe(`OK ${lab}: cluster lab, 3 hosts (1 control-plane, 2 worker-only), Kubernetes 1.28.15, containerd 1.6.20\n`);
    expect(err).toEqual([]);
  });

  it('validate: exit 2 with every problem on stderr', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-validate-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'apiVersion: kinstall/v1alpha1\nkind: Cluster\nmetadata: {name: x}\nhosts:\n  - {name: a, address: 10.0.0.300, roles: [worker]}\nkubernetes: {version: 1.99.0}\n');
    capture();
    const code = await main(['node', 'kinstall', 'validate', file]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('')).toBe(
      [
        `${file}:5:3: no host has the control-plane role`,
        `  hint: add "control-plane" to the roles of one host`,
        `${file}:5:24: "10.0.0.300" is not a valid IPv4 address`,
        `${file}:6:23: Kubernetes 1.99.0 is not supported`,
        `  hint: supported: 1.28.x … 1.35.x`,
        `error: ${file} is invalid (3 problems)`,
        '',
      ].join('\n'),
    );
    fs.rmSync(dir, { recursive: true });
  });

  it('schema: prints the JSON Schema of the input side with descriptions', async () => {
    capture();
    expect(await main(['node', 'kinstall', 'schema'])).toBe(0);
    const schema = JSON.parse(out.join(''));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'hosts', 'kubernetes']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.kubernetes.required).toEqual(['version']); // defaults are optional on input
    expect(schema.properties.kubernetes.properties.version.description).toBe('Exact Kubernetes patch version, e.g. 1.28.15');
    expect(schema.properties.hosts.items.properties.roles.items.enum).toEqual(['control-plane', 'worker']);
    expect(schema).toEqual(inventoryJsonSchema());
    expect(Object.keys(schema.properties)).toEqual(Object.keys(inventorySchema.shape));
  });

  it('both commands are listed in --help', () => {
    // Commander wraps descriptions to the column width, which depends on every command's usage.
    const help = buildProgram().helpInformation().replace(/\s+/g, ' ');
    expect(help).toMatch(/validate <inventory>\s+Check an inventory file without touching any host/);
    expect(help).toMatch(/schema\s+Print the inventory's JSON Schema/);
  });
});
