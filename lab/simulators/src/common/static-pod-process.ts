// One static pod's process under the kubelet simulator (kinstall lab simulator): what the kubelet
// does with a container, done with a plain child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { etcdExitReason } from './etcd/static-pod.js';

const log = (msg: string) => console.error(`I${new Date().toISOString()} kubelet] ${msg}`);

/**
 * Keeps one static pod's process running while its manifest exists: the apiserver simulator, or
 * the host's real etcd for the etcd pod. Restarted with the kubelet's crash-loop back-off when it
 * exits, restarted with new arguments when the manifest changes, stopped when it goes.
 */
export class StaticPodProcess {
  private child: ChildProcess | null = null;
  private key = '';
  private stopping = false;
  private restarts = 0;
  /** The process's last output, for the pod status when it exits (its own error). */
  private tail = '';
  lastExit: { at: number; reason: string } | null = null;
  constructor(private readonly name: string, private readonly command: (args: string[]) => [string, string[]]) {}

  /** A changed manifest (flags or image, as after kubeadm upgrade) restarts the pod, as the kubelet does on a new pod hash. */
  ensure(args: string[] | null, image = ''): void {
    const key = args ? JSON.stringify([image, ...args]) : '';
    if (key === this.key && (this.child || !args)) return;
    if (key !== this.key) { this.restarts = 0; this.lastExit = null; }
    this.stop();
    this.key = key;
    if (args) this.start(args, image);
  }

  private start(args: string[], image: string): void {
    this.stopping = false;
    const [file, argv] = this.command(args);
    log(`starting ${this.name} static pod${image ? ` (${image})` : ''}: ${file} ${argv.join(' ')}`);
    // The apiserver simulator serves its image's tag as its version, like a real container image.
    const child = spawn(file, argv, { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, KINSTALL_SIM_APISERVER_IMAGE: image } });
    this.child = child;
    this.tail = '';
    child.stderr?.on('data', (d: Buffer) => {
      process.stderr.write(d);
      this.tail = (this.tail + d.toString()).slice(-8_192);
    });
    child.on('error', (e) => { this.tail += `\n${e.message}`; });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopping) return;
      this.restarts++;
      this.lastExit = { at: Date.now(), reason: `${this.name} exited (code=${code} signal=${signal}): ${this.exitReason(this.tail)}` };
      const delay = Math.min(10_000 * 2 ** Math.min(this.restarts - 1, 3), 80_000) / 10;
      log(`${this.lastExit.reason}; back-off ${delay}ms restarting failed container`);
      setTimeout(() => { if (!this.child && this.key === JSON.stringify([image, ...args])) this.start(args, image); }, delay);
    });
  }

  private exitReason(out: string): string {
    if (this.name === 'etcd') return etcdExitReason(out);
    return out.trim().split('\n').pop() ?? '';
  }

  running(): boolean { return this.child !== null; }

  /** Restart count since this manifest version, for the pod status. */
  restartCount(): number { return this.restarts; }

  stop(): void {
    this.stopping = true;
    this.child?.kill('SIGTERM');
    this.child = null;
  }

  /**
   * The kubelet's own shutdown: SIGTERM, then SIGKILL after graceMs, resolved once the process is
   * gone. Waiting matters: systemd stops kubelet.service by its whole cgroup, and a child that
   * outlives the kubelet (an apiserver whose event loop waits in a synchronous call to the etcd
   * stopped beside it) held `systemctl restart kubelet` for TimeoutStopSec, 90 s (measured in the
   * minor upgrade: "State 'final-sigterm' timed out. Killing.").
   */
  stopAndWait(graceMs: number): Promise<void> {
    const child = this.child;
    this.stop();
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
    });
  }
}

