/** One thing wrong with an inventory, at the position of the node that is wrong (1-based). */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

/**
 * "FILE:LINE:COL: message", plus an indented "hint: …" line when there is a hint. Messages quote
 * inventory values, so control characters and line separators are escaped (one problem stays one
 * line, and a value cannot send escape sequences to the terminal) and very long text is cut.
 */
export function formatProblem(p: Problem): string {
  const head = `${p.file}:${p.line}:${p.col}: ${printable(p.message)}`;
  return p.hint ? `${head}\n  hint: ${printable(p.hint)}` : head;
}

const MAX_MESSAGE = 1000;

function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > MAX_MESSAGE ? `${escaped.slice(0, MAX_MESSAGE - 3)}...` : escaped;
}

/** Sorted by position so the output reads top to bottom like the file. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}
