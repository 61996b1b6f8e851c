import path from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedHost } from '../../src/inventory/types.js';

/**
 * An Ansible YAML inventory for the same hosts kinstall sees: same addresses, ports, user and
 * key. Host key checking and the known_hosts file are set through the environment (ansibleEnv).
 */
export function ansibleInventory(hosts: ResolvedHost[]): string {
  const entries: Record<string, Record<string, string | number>> = {};
  for (const h of hosts) {
    if (!h.ssh.identityFile) throw new Error(`host ${h.name} has no ssh.identityFile: the benchmark needs key authentication`);
    entries[h.name] = {
      ansible_host: h.address,
      ansible_port: h.ssh.port,
      ansible_user: h.ssh.user,
      ansible_ssh_private_key_file: h.ssh.identityFile,
    };
  }
  return stringify({ all: { hosts: entries } });
}

/** Every host must share one known_hosts file: Ansible takes one ssh_args for the whole run. */
export function sharedKnownHosts(hosts: ResolvedHost[]): string {
  const files = [...new Set(hosts.map((h) => h.ssh.knownHostsFile))];
  if (files.length !== 1) throw new Error(`the benchmark needs one known_hosts file for all hosts, found: ${files.join(', ')}`);
  return files[0]!;
}

/**
 * Ansible's defaults (ControlMaster/ControlPersist, -C) plus strict host key checking against the
 * lab's known_hosts. A fresh control_path_dir per run keeps one run's persisted connections from
 * serving the next. Configured by environment, with ANSIBLE_CONFIG pointing at an empty file (a
 * `[defaults]` header only) so no ansible.cfg in the cwd or home can interfere.
 */
export const emptyAnsibleConfig = '[defaults]\n';

export function ansibleEnv(opts: { inventoryFile: string; knownHostsFile: string; workDir: string; emptyConfigFile: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_CONFIG: opts.emptyConfigFile,
    ANSIBLE_INVENTORY: opts.inventoryFile,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_ARGS: `-C -o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${opts.knownHostsFile}`,
    ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(opts.workDir, 'cp'),
    ANSIBLE_LOCAL_TEMP: path.join(opts.workDir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
  };
}

/** `ansible all -m setup -f N` with one-line output, so successes can be counted. */
export function ansibleSetupArgv(forks: number): string[] {
  return ['ansible', 'all', '-m', 'setup', '-f', String(forks), '--one-line'];
}

/** Hosts Ansible reports as gathered ("name | SUCCESS => ..."). */
export function countAnsibleSuccesses(stdout: string): number {
  return stdout.split('\n').filter((l) => /^\S+ \| SUCCESS\b/.test(l)).length;
}
