import { describe, expect, it } from 'vitest';
import { formatExecLog, redactSecrets, truncateForLog } from '../../../src/ssh/exec-log.js';

describe('run-log redaction', () => {
  it('hides every occurrence, the longest secret whole', () => {
    expect(redactSecrets('pw=hunter2 again hunter2, token=hunter2xyz', ['hunter2', 'hunter2xyz'])).toBe(
      'pw=<redacted> again <redacted>, token=<redacted>',
    );
    expect(redactSecrets('nothing here', [''])).toBe('nothing here');
  });

  it('redacts before truncating, so a secret at the cut never leaks its start', () => {
    const secret = 'S3CRET-VALUE-XYZ';
    const text = `${'a'.repeat(4090)}${secret}`;
    const entry = formatExecLog({ label: 'x', sudo: false, script: 'true', code: 0, durationMs: 1, stdinBytes: 0, stdout: text, stderr: '' }, [secret]);
    expect(entry).not.toContain('S3CRET');
    expect(entry).toContain('more characters not logged');
  });

  it('records label, sudo, exit code, duration and stdin size', () => {
    const entry = formatExecLog({ label: 'facts', sudo: true, script: 'echo hi', code: 3, durationMs: 42, stdinBytes: 7, stdout: 'hi\n', stderr: 'oops' }, []);
    expect(entry.split('\n')[0]).toBe('facts (sudo): exit 3 in 42 ms, stdin 7 bytes');
    expect(entry).toContain('--- stdout\nhi');
    expect(entry).toContain('--- stderr\noops');
  });

  it('truncates long output and says how much is missing', () => {
    expect(truncateForLog('abcdef', 4)).toBe('abcd\n... (2 more characters not logged)');
    expect(truncateForLog('abc', 4)).toBe('abc');
  });
});
