import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A private containerd (its own socket, root, state and opt dirs under a temp dir) for tests that
 * must talk to a real CRI runtime without touching the machine's /run/containerd.
 */
export interface PrivateContainerd {
  dir: string;
  socket: string;
  endpoint: string;
  stop(): Promise<void>;
}

export function containerdAvailable(): boolean {
  return fs.existsSync('/usr/bin/containerd') && process.getuid?.() === 0;
}

export async function startContainerd(opts: { disableCri?: boolean; extraToml?: string } = {}): Promise<PrivateContainerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-ctd-'));
  const socket = path.join(dir, 'containerd.sock');
  // disableCri mimics the config.toml Docker's containerd.io package ships: a version-1 file
  // (short plugin names) with disabled_plugins = ["cri"]; version 2 would need the full plugin URI.
  const toml = [
    opts.disableCri ? 'disabled_plugins = ["cri"]' : 'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    '[grpc]',
    `  address = "${socket}"`,
    '[ttrpc]',
    `  address = "${socket}.ttrpc"`,
    opts.disableCri ? '[plugins.opt]' : '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${dir}/opt"`,
    opts.extraToml ?? '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'config.toml'), toml);
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  const child: ChildProcess = spawn('/usr/bin/containerd', ['--config', path.join(dir, 'config.toml')], {
    stdio: ['ignore', log, log],
  });
  const deadline = Date.now() + 15_000;
  const fail = (msg: string) => {
    child.kill('SIGKILL');
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
    return new Error(msg);
  };
  while (!fs.existsSync(socket)) {
    if (child.exitCode !== null) throw fail(`containerd exited: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8')}`);
    if (Date.now() > deadline) throw fail('containerd did not create its socket within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    socket,
    endpoint: `unix://${socket}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.closeSync(log);
      // containerd may leave overlay mounts only when containers ran; these tests run none.
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
