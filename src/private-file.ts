import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, KinstallError } from './errors.js';

/**
 * Local files that hold secrets (the admin kubeconfig) or remote output (run logs). Both must be
 * private to the operator whatever was at the path before: a pre-planted symlink is never
 * followed and a file someone else created is never kept.
 */

const { O_CREAT, O_EXCL, O_WRONLY, O_APPEND, O_NOFOLLOW } = fs.constants;

function fail(message: string, hint: string, cause?: unknown): KinstallError {
  return new KinstallError(message, { exitCode: ExitCode.usage, hint, cause });
}

/**
 * Writes `content` to `file` with mode 0600, atomically: exclusive create (O_EXCL|O_NOFOLLOW) of
 * a random name in the target directory, then rename over the target. rename replaces a symlink
 * or a foreign file at `file` with our new inode instead of writing through it.
 */
export function writePrivateFile(file: string, content: string | Buffer): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.kinstall-${crypto.randomBytes(8).toString('hex')}`);
  const fd = fs.openSync(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0o600);
  try {
    try {
      fs.fchmodSync(fd, 0o600); // the umask may have removed bits, never added: this is exact
      fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Opens a log file for appending, private: refuses a symlink (O_NOFOLLOW), anything but a
 * regular file, and a file owned by another user; an existing file's loose mode is tightened
 * to 0600 after the open (on the open file, so no path race).
 */
export function openPrivateAppend(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, O_CREAT | O_WRONLY | O_APPEND | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw fail(`log file ${file} is a symbolic link: refusing to write the run log through it`, 'pass --log a path that is not a symlink (the log holds remote commands and output)', err);
    throw fail(`cannot open the log file ${file}: ${(err as Error).message}`, 'pass --log a writable path', err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw fail(`log file ${file} is not a regular file`, 'pass --log a path to a regular file');
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw fail(`log file ${file} belongs to uid ${st.uid}, not to you (uid ${uid}): refusing to append the run log to it`, 'remove that file or pass --log another path');
    }
    fs.fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Makes a kinstall-owned directory (kinstall-logs/) exist with mode 0700 whatever existed
 * before; refuses a symlink so the chmod never lands on someone else's directory.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw fail(`${dir} is a symbolic link: refusing to keep run logs through it`, `remove the link (or pass --log a path outside ${dir})`);
  if (!st.isDirectory()) throw fail(`${dir} is not a directory`, `remove it or pass --log another path`);
  fs.chmodSync(dir, 0o700);
}
