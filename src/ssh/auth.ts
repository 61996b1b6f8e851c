import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { ExitCode, KinstallError } from '../errors.js';

/** What we authenticate with; `tried` names each method for the "authentication failed" message. */
export interface AuthMaterial {
  privateKey?: string;
  agent?: string;
  password?: string;
  tried: string[];
}

export interface AuthSettings {
  identityFile?: string | undefined;
  agent?: boolean | undefined;
  passwordEnv?: string | undefined;
}

export function expandHome(file: string, home = os.homedir()): string {
  return file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : file;
}

const defaultKeyFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Collect credentials for one connection. Every configuration mistake is reported before any
 * network traffic, naming the setting to change: a missing key file, a passphrase-protected key
 * (kinstall never prompts), an agent without SSH_AUTH_SOCK, an unset password variable.
 */
export function resolveAuth(
  settings: AuthSettings,
  ctx: { host: string; env?: NodeJS.ProcessEnv; home?: string; /** Where the settings live, for messages: "ssh" or "ssh.bastion". */ setting?: string },
): AuthMaterial {
  const env = ctx.env ?? process.env;
  const at = ctx.setting ?? 'ssh';
  const fail = (message: string, hint: string) =>
    new KinstallError(message, { exitCode: ExitCode.unreachable, host: ctx.host, hint });
  const auth: AuthMaterial = { tried: [] };

  if (settings.identityFile) {
    const file = expandHome(settings.identityFile, ctx.home);
    auth.privateKey = readPrivateKey(file, fail, at);
    auth.tried.push(`key ${file}`);
  }
  if (settings.agent) {
    const sock = env.SSH_AUTH_SOCK;
    if (!sock) throw fail('ssh.agent is true but SSH_AUTH_SOCK is not set', 'start an agent (eval "$(ssh-agent)"; ssh-add KEY) in the shell that runs kinstall, or use ssh.identityFile');
    auth.agent = sock;
    auth.tried.push(`agent ${sock}`);
  }
  if (settings.passwordEnv) {
    const password = env[settings.passwordEnv];
    if (password === undefined || password === '') {
      throw fail(`${at}.passwordEnv names $${settings.passwordEnv}, but that environment variable is not set`, `export ${settings.passwordEnv}=... before running kinstall`);
    }
    auth.password = password;
    auth.tried.push(`password from $${settings.passwordEnv}`);
  }
  if (auth.tried.length > 0) return auth;

  // Nothing configured: do what ssh(1) does by default, the agent and then the usual key files.
  if (env.SSH_AUTH_SOCK) {
    auth.agent = env.SSH_AUTH_SOCK;
    auth.tried.push(`agent ${env.SSH_AUTH_SOCK}`);
  }
  const home = ctx.home ?? os.homedir();
  for (const name of defaultKeyFiles) {
    const file = path.join(home, '.ssh', name);
    if (!fs.existsSync(file)) continue;
    const key = fs.readFileSync(file, 'utf8');
    if (ssh2.utils.parseKey(key) instanceof Error) continue; // passphrase-protected: the agent may hold it
    auth.privateKey = key;
    auth.tried.push(`key ${file}`);
    break;
  }
  if (auth.tried.length === 0) {
    throw fail('no SSH credentials: no ssh.identityFile, ssh.agent or ssh.passwordEnv, no agent and no ~/.ssh/id_* key', 'set ssh.identityFile (or agent: true, or passwordEnv) in the inventory');
  }
  return auth;
}

function readPrivateKey(file: string, fail: (m: string, h: string) => KinstallError, at: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${at}.identityFile ${file}: ${(err as Error).message}`, 'check the path in the inventory (~ is expanded)');
  }
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    if (/passphrase|encrypted/i.test(parsed.message)) {
      throw fail(`identity file ${file} is protected by a passphrase, and kinstall does not prompt for one`, `load it into an agent (ssh-add ${file}) and set ssh.agent: true instead of ${at}.identityFile`);
    }
    throw fail(`identity file ${file} is not a private key ssh2 can read: ${parsed.message}`, `point ${at}.identityFile at an OpenSSH or PEM private key (not the .pub file)`);
  }
  return text;
}
