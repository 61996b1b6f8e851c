import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway root in which rendered scripts can really run without touching this machine: a
 * temp directory holding nothing but dash, sed and awk (and the libraries they link), entered
 * with `unshare --map-root-user --net --mount` and chroot (no privilege needed where user
 * namespaces are on). Every other command a script calls is a stub that only logs its argv and
 * exits as the test chose; redirections such as `> /etc/hosts` land in the sandbox's own /etc.
 * The network namespace is empty.
 *
 * Tripwires: the `pwned` command (a stub that creates /TRIPPED) and any file whose name starts
 * with TRIP anywhere in the sandbox (payloads such as `$(>TRIP)` need no command at all).
 */

/**
 * How the stubs answer: all succeed, all fail, or everything succeeds except the commands scripts
 * use as checks (so the "verification failed" branches run after the downloads succeeded).
 */
export type StubMode = 0 | 1 | 'checks-fail';
const checkCommands = ['sha256sum', 'grep', 'kubectl', 'rpm', 'dpkg-query', 'modinfo', 'systemctl', 'crictl', 'getenforce', 'firewall-cmd', 'ufw'];

export interface Sandbox {
  root: string;
  /** Run a script with the stubs answering as `stubMode` says; the tripwire state is reset first. */
  run(script: string, stubMode: StubMode): { status: number | null; stdout: string; stderr: string; calls: string[] };
  /**
   * Run many scripts in one sandbox entry (one process start instead of one per script): returns
   * the indexes of the scripts `sh -n` refuses and whether any tripwire fired (then run() the
   * scripts one by one to name the culprit).
   */
  runBatch(scripts: string[], stubMode: StubMode): Promise<{ syntaxErrors: number[]; tripped: string[]; status: number | null; stderr: string }>;
  /** Paths (relative to the sandbox) of every tripwire file present. */
  tripped(): string[];
  cleanup(): void;
}

/** Commands the templates call (a missing one is merely "not found" inside the sandbox). */
const stubNames = [
  'apt-cache', 'apt-get', 'apt-mark', 'base64', 'cat', 'chmod', 'chronyd', 'cp', 'curl', 'cut', 'dnf',
  'dpkg-query', 'firewall-cmd', 'getconf', 'getenforce', 'grep', 'gpg', 'head', 'hostname', 'id', 'install',
  'iptables', 'kubeadm', 'kubectl', 'ln', 'mkdir', 'mktemp', 'modinfo', 'modprobe', 'mv', 'nft', 'nproc', 'rm',
  'rpm', 'runc', 'setenforce', 'sha256sum', 'sleep', 'ss', 'stat', 'swapoff', 'sysctl', 'systemctl', 'tail',
  'tar', 'tee', 'touch', 'tr', 'ufw', 'uname', 'wc', 'wget', 'sudo', 'flock', 'crictl', 'ctr', 'containerd',
  'timeout', 'env', 'xargs', 'sort', 'uniq', 'find', 'ls', 'test', 'printf', 'echo', 'sh', 'bash', 'python3',
];
const binDirs = ['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin'];

/** A binary of this machine and the shared objects `ldd` lists for it, copied under root. */
function copyBinary(root: string, command: string, to: string): void {
  const real = fs.realpathSync(execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim());
  fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
  fs.copyFileSync(real, path.join(root, to));
  fs.chmodSync(path.join(root, to), 0o755);
  const ldd = execFileSync('ldd', [real], { encoding: 'utf8' });
  for (const m of ldd.matchAll(/(\/\S+)\s+\(0x/g)) {
    const lib = m[1]!;
    const target = path.join(root, lib);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) fs.copyFileSync(fs.realpathSync(lib), target);
  }
}

/**
 * The text tools run for real (inside the sandbox they can only read and write the sandbox):
 * what a script does with a value in sed or awk is exactly what the findings were about (GNU
 * sed's `e` flag runs a command through /bin/sh, which finds the `pwned` stub).
 */
const realTools = ['sed', 'awk'];

// Nothing of this process's environment reaches the scripts.
const sandboxEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export function sandboxAvailable(): boolean {
  const probe = spawnSync('unshare', ['--map-root-user', '--net', '--mount', 'true'], { stdio: 'ignore' });
  return probe.status === 0 && spawnSync('sh', ['-c', 'command -v dash && command -v ldd && command -v chroot'], { stdio: 'ignore' }).status === 0;
}

export function createSandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kinstall-sandbox-'));
  copyBinary(root, 'dash', 'bin/sh');
  for (const d of [...binDirs, 'work', 'tmp', 'etc/kubernetes', 'etc/containerd', 'etc/apt/keyrings', 'etc/yum.repos.d', 'var/lib', 'usr/local/lib', 'proc', 'run', 'dev']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  const stub = `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> /stub.log\nif [ -e "/stub-fail/\${0##*/}" ]; then exit 1; fi\nread -r s < /stub-status\nexit "$s"\n`;
  fs.writeFileSync(path.join(root, 'dev/null'), '');
  // Files the probes read, so the branches that process them run too.
  fs.writeFileSync(path.join(root, 'etc/kubernetes/admin.conf'), 'apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.10:6443\n  name: demo\n');
  fs.writeFileSync(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n# BEGIN kinstall demo (managed by kinstall)\n10.0.0.10 cp1\n# END kinstall demo\n');
  fs.writeFileSync(path.join(root, 'etc/fstab'), '/dev/sda2 none swap sw 0 0\n');
  for (const name of stubNames) fs.writeFileSync(path.join(root, 'usr/bin', name), stub, { mode: 0o755 });
  for (const tool of realTools) copyBinary(root, tool, `usr/bin/${tool}`);
  // date prints a clock that jumps 1000 s per call, so every `until deadline` loop ends at once.
  fs.writeFileSync(path.join(root, 'clock'), '1000000000\n');
  fs.writeFileSync(path.join(root, 'usr/bin/date'), `${stub.split('\n').slice(0, 2).join('\n')}\nread -r t < /clock\nt=$((t + 1000))\necho "$t" > /clock\necho "$t"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'usr/bin/pwned'), '#!/bin/sh\n: > /TRIPPED\n', { mode: 0o755 });

  const tripped = (): string[] => {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.name.startsWith('TRIP')) found.push(path.relative(root, p));
        if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
      }
    };
    walk(root);
    return found;
  };

  const prepare = (mode: StubMode): void => {
    for (const t of tripped()) fs.rmSync(path.join(root, t), { recursive: true, force: true });
    fs.writeFileSync(path.join(root, 'stub-status'), mode === 1 ? '1\n' : '0\n');
    fs.rmSync(path.join(root, 'stub-fail'), { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'stub-fail'));
    if (mode === 'checks-fail') for (const c of checkCommands) fs.writeFileSync(path.join(root, 'stub-fail', c), '');
    fs.writeFileSync(path.join(root, 'stub.log'), '');
  };
  // A private mount namespace gives the sandbox a /dev/null (bound from the host's) and nothing
  // else; it disappears with the process.
  const enterArgs = (command: string) => [
    '--map-root-user', '--net', '--mount', 'sh', '-c', 'mount --bind /dev/null "$1/dev/null" && exec chroot "$1" /bin/sh -c "$2"', 'sandbox', root, command,
  ];
  const enter = (command: string, timeout: number) => {
    return spawnSync('unshare', enterArgs(command), {
      env: sandboxEnv,
      input: '',
      encoding: 'utf8',
      timeout,
      killSignal: 'SIGKILL',
    });
  };

  return {
    root,
    tripped,
    run(script, stubMode) {
      prepare(stubMode);
      fs.writeFileSync(path.join(root, 'work/script.sh'), script);
      const res = enter('cd /work && exec /bin/sh /work/script.sh', 5000);
      const calls = fs.readFileSync(path.join(root, 'stub.log'), 'utf8').split('\n').filter(Boolean);
      return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '', calls };
    },
    runBatch(scripts, stubMode) {
      prepare(stubMode);
      const dir = path.join(root, 'batch');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      scripts.forEach((text, i) => fs.writeFileSync(path.join(dir, `${i}.sh`), text));
      // Each script in its own sh (its exit or set -e ends only itself), from /work, stdin empty.
      const runner = `i=0; while [ "$i" -lt ${scripts.length} ]; do /bin/sh -n "/batch/$i.sh" 2>/dev/null || echo "syntax $i"; (cd /work && /bin/sh "/batch/$i.sh") </dev/null >/dev/null 2>&1; i=$((i + 1)); done`;
      // Asynchronous, so several sandboxes can work at once.
      return new Promise((resolve) => {
        execFile('unshare', enterArgs(runner), { env: sandboxEnv, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
          const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          const syntaxErrors = [...stdout.matchAll(/^syntax (\d+)$/gm)].map((m) => Number(m[1]));
          resolve({ syntaxErrors, tripped: tripped(), status, stderr });
        });
      });
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `dash -n`: the script parses as POSIX sh (message on failure). */
export function shellSyntaxError(script: string): string | null {
  const res = spawnSync('dash', ['-n'], { input: script, encoding: 'utf8' });
  return res.status === 0 ? null : res.stderr || `dash -n exited ${res.status}`;
}
