/** Where kubeadm writes: stdout for progress, stderr for warnings and errors (as cobra/klog do). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** A phase failure: printed as "error execution phase <phase>: <message>" with exit code 1. */
export class PhaseError extends Error {
  constructor(readonly phase: string, message: string) {
    super(message);
  }
}

export const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher';
