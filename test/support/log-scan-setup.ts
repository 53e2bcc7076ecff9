import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_SCAN_DIR, scanLogs } from './log-scan';

/** Vitest's global setup: a directory for the run's log lines, scanned for personal data when the run ends. */
export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kabinet-logs-'));
  process.env[LOG_SCAN_DIR] = dir;
  return () => {
    const { lines, findings } = scanLogs(dir);
    rmSync(dir, { recursive: true, force: true });
    if (findings.length > 0) {
      // A teardown's exception is only printed by vitest: the exit code is what fails CI.
      process.exitCode = 1;
      process.stderr.write(
        `\nFAIL log scan: personal data in ${findings.length} of ${lines} log lines of this run:\n${findings.slice(0, 40).join('\n')}\n`,
      );
      return;
    }
    process.stdout.write(`log scan: ${lines} log lines, nothing personal\n`);
  };
}
