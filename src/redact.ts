/**
 * The one redactor. Every secret kinstall knows (passwords read from the environment, bootstrap
 * tokens, certificate keys) is registered here as soon as it exists, and everything kinstall
 * prints, logs or puts into an error passes redact(): RunLog.write, KinstallError, the CLI's
 * error printing, the step runner's progress output and the final report.
 *
 * It is process-wide on purpose: one kinstall process is one run, and an error thrown deep in
 * the SSH layer must be cleaned with the same list the run log uses without threading the log
 * through every function.
 */

/** Shorter values are not redacted: replacing e.g. "root" everywhere would mangle the output. */
export const minSecretLength = 6;

export const redactedMark = '<redacted>';

const secrets = new Set<string>();

/** Never print, log or throw this value from now on. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= minSecretLength) secrets.add(value);
}

/** Replaces every registered secret (and every one in `extra`), longest first so a secret containing another is hidden whole. */
export function redact(text: string, extra: readonly string[] = []): string {
  if (secrets.size === 0 && extra.length === 0) return text;
  return replaceSecrets(text, [...secrets, ...extra]);
}

/** Replaces each of `list` (empty values ignored), longest first so a secret containing another is hidden whole. */
export function replaceSecrets(text: string, list: readonly string[]): string {
  const all = [...new Set(list.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of all) if (out.includes(s)) out = out.split(s).join(redactedMark);
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
}
