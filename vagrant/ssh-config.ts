/**
 * Reads the output of `vagrant ssh-config`: one `Host NAME` block per VM with OpenSSH client
 * keywords (`HostName`, `User`, `Port`, `IdentityFile`, ...). Only the fields kinstall needs are
 * kept; keywords are case-insensitive and may use `Keyword value` or `Keyword=value`.
 */

export interface VagrantSshHost {
  /** The VM's name in the Vagrantfile (the `Host` pattern Vagrant writes). */
  name: string;
  /** Where Vagrant itself connects (management DHCP address, or 127.0.0.1 with a forwarded port). */
  hostName: string;
  port: number;
  user: string;
  /** In the order given; Vagrant lists the per-VM generated key first. */
  identityFiles: string[];
}

export class SshConfigError extends Error {}

/** Splits one ssh_config line into keyword and value; quotes around the value are removed. */
function splitLine(line: string): { keyword: string; value: string } | undefined {
  const match = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(line);
  if (!match) return undefined;
  let value = match[2] ?? '';
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return { keyword: (match[1] ?? '').toLowerCase(), value };
}

export function parseSshConfig(text: string): VagrantSshHost[] {
  const hosts: VagrantSshHost[] = [];
  let current: Partial<VagrantSshHost> & { line?: number } = {};

  const finish = () => {
    if (current.name === undefined) return;
    const where = `host ${current.name} (line ${current.line})`;
    if (!current.hostName) throw new SshConfigError(`${where}: no HostName`);
    if (!current.user) throw new SshConfigError(`${where}: no User`);
    if (!current.identityFiles?.length) throw new SshConfigError(`${where}: no IdentityFile`);
    hosts.push({
      name: current.name,
      hostName: current.hostName,
      port: current.port ?? 22,
      user: current.user,
      identityFiles: current.identityFiles,
    });
  };

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = splitLine(line);
    if (!parsed) throw new SshConfigError(`line ${index + 1}: cannot read '${line}'`);
    const { keyword, value } = parsed;
    if (keyword === 'host') {
      finish();
      if (/[\s*?!]/.test(value)) throw new SshConfigError(`line ${index + 1}: expected one VM name after Host, got '${value}'`);
      current = { name: value, line: index + 1, identityFiles: [] };
      return;
    }
    if (current.name === undefined) throw new SshConfigError(`line ${index + 1}: '${keyword}' before any Host line`);
    if (keyword === 'hostname') current.hostName = value;
    else if (keyword === 'user') current.user = value;
    else if (keyword === 'identityfile') current.identityFiles?.push(value);
    else if (keyword === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SshConfigError(`line ${index + 1}: bad Port '${value}'`);
      current.port = port;
    }
  });
  finish();

  const seen = new Set<string>();
  for (const host of hosts) {
    if (seen.has(host.name)) throw new SshConfigError(`host ${host.name} appears twice`);
    seen.add(host.name);
  }
  return hosts;
}
