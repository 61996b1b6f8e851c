/**
 * After `vagrant up`: write a kinstall inventory and known_hosts file for the running VMs.
 *
 *   npx tsx vagrant/ssh-config-to-inventory.ts --inventory inventories/vagrant.yaml \
 *     --out .vagrant/kinstall/inventory.yaml [--console-dir DIR | --trust-on-first-use]
 *
 * Login: the user and private key from `vagrant ssh-config` (Vagrant generates a key per VM on
 * first up). kinstall connects to the fixed private address from the inventory, port 22.
 * Host keys, and how far they are trusted:
 * - --console-dir DIR (libvirt with KINSTALL_CONSOLE_DIR=DIR): keys the VM printed on its serial
 *   console (DIR/NAME.log, written by QEMU on this machine), cross-checked with ssh-keyscan of the
 *   address. Trusted: the console is not reachable from the network.
 * - --trust-on-first-use: ssh-keyscan of the address only. Whatever answers first is recorded;
 *   acceptable on a host-only network nobody else can reach, and said so on stderr.
 * Run it where the VMs' private network is reachable (inside the test's network namespace).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { checkScanMatchesConsole, knownHostsLines, parseConsoleHostKeys, parseKeyscan, type HostKey } from './host-keys.js';
import { patchInventory } from './inventory-patch.js';
import { parseSshConfig } from './ssh-config.js';

const run = promisify(execFile);

async function readSshConfig(file: string | undefined): Promise<string> {
  if (file === '-') return fs.readFileSync(0, 'utf8');
  if (file) return fs.readFileSync(file, 'utf8');
  const { stdout } = await run('vagrant', ['ssh-config'], { maxBuffer: 1 << 20 });
  return stdout;
}

async function keyscan(address: string): Promise<HostKey[]> {
  // ssh-keyscan exits 0 even when the host does not answer; an empty result is checked later.
  const { stdout } = await run('ssh-keyscan', ['-T', '10', '-t', 'ed25519,ecdsa,rsa', address]);
  return parseKeyscan(stdout);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      inventory: { type: 'string' },
      out: { type: 'string' },
      'known-hosts': { type: 'string' },
      'ssh-config': { type: 'string' },
      'console-dir': { type: 'string' },
      'trust-on-first-use': { type: 'boolean', default: false },
    },
  });
  if (!values.inventory || !values.out) throw new Error('usage: --inventory FILE --out FILE [--known-hosts FILE] [--ssh-config FILE|-] (--console-dir DIR | --trust-on-first-use)');
  if (!values['console-dir'] === !values['trust-on-first-use']) throw new Error('choose how host keys are trusted: --console-dir DIR or --trust-on-first-use');

  const out = path.resolve(values.out);
  const knownHostsFile = path.resolve(values['known-hosts'] ?? path.join(path.dirname(out), 'known_hosts'));
  const vms = parseSshConfig(await readSshConfig(values['ssh-config']));
  const patched = patchInventory(fs.readFileSync(values.inventory, 'utf8'), vms, knownHostsFile);
  for (const name of patched.dropped) console.error(`note: ${name} is in the inventory but has no running VM; left out`);

  const lines: string[] = [];
  for (const { name, address } of patched.hosts) {
    const scanned = await keyscan(address);
    let keys = scanned;
    if (values['console-dir']) {
      const consoleKeys = parseConsoleHostKeys(fs.readFileSync(path.join(values['console-dir'], `${name}.log`), 'latin1'));
      checkScanMatchesConsole(name, address, consoleKeys, scanned);
      keys = consoleKeys;
    } else {
      if (scanned.length === 0) throw new Error(`${name}: ssh-keyscan ${address} returned no keys`);
      console.error(`warning: ${name} (${address}): host keys trusted on first use (ssh-keyscan), not verified out of band`);
    }
    lines.push(...knownHostsLines(address, 22, keys));
  }

  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.mkdirSync(path.dirname(knownHostsFile), { recursive: true });
  fs.writeFileSync(knownHostsFile, lines.join('\n') + '\n');
  fs.writeFileSync(out, `# Written by vagrant/ssh-config-to-inventory.ts from ${values.inventory} and \`vagrant ssh-config\`.\n${patched.yaml}`);
  console.error(`wrote ${out} (${patched.hosts.length} hosts) and ${knownHostsFile} (${lines.length} keys)`);
}

main().catch((error: unknown) => {
  console.error(`ssh-config-to-inventory: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
