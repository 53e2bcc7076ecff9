import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every log line of the whole test run, scanned for what a customer gave us (acceptance of issue 16: no e-mail,
 * phone, password, code or document number in any log line). The lines are the product's own, through its
 * production logger (web/pino-logger.ts): the run's in-process loggers (test/support/log-capture.ts) and the
 * output of every service, script and Worker the tests start (`keepLogs`). test/support/log-scan-setup.ts scans
 * them when the run ends and fails it, naming the lines.
 */
export const LOG_SCAN_DIR = 'KABINET_LOG_SCAN_DIR';

/** Where this process's lines go, or null when the run is not scanned (a single file run by hand, say). */
export function scanFile(label: string): string | null {
  const dir = process.env[LOG_SCAN_DIR];
  return dir ? join(dir, `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.log`) : null;
}

/** Keeps a child process's output (a service, a script, wrangler) for the scan. */
export function keepLogs(label: string, output: string): void {
  const file = scanFile(label);
  if (file && output) appendFileSync(file, output);
}

/**
 * What must never be in a log line. The values tests type are known (these passwords; contacts of every shape);
 * codes and document numbers are recognised by their shape inside strings only (a time or a count is a number).
 */
const PERSONAL: { kind: string; pattern: RegExp }[] = [
  // A masked address keeps one letter and the domain: `a***@example.ru`.
  { kind: 'e-mail', pattern: /[\p{L}\d._%+-]*[\p{L}\d]@[\p{L}\d-]+(\.[\p{L}\d-]+)*\.\p{L}{2,}/u },
  { kind: 'phone', pattern: /(?<![\w*])(\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)/ },
  { kind: 'phone', pattern: /(?<![\w*:])7\d{10}(?!\d)/ },
  {
    kind: 'password',
    pattern:
      /Sunflower|Marigold|Hollyhock|Swordfish|Ag-15!d44|Wrong-password|NotThePassword|Different99|kestrel2026|SecretTail|qwerty123/i,
  },
  { kind: 'code or document number', pattern: /(?<![\w.:/-])\d{6}(?![\w.:/-])/ },
  { kind: 'document number', pattern: /(?<![\w.:/-])\d{4} ?\d{6}(?![\w.:/-])/ },
];

/** Lines that are not logs: the development outbox prints the messages it stands in for (it is the mailbox). */
const NOT_LOGS = /^\[outbox\] /;

/** The strings a log line holds: each JSON line's string values, or a whole line that is not JSON. */
function stringsOf(line: string): string[] {
  try {
    const parsed: unknown = JSON.parse(line);
    const found: string[] = [];
    const walk = (value: unknown, key: string) => {
      if (typeof value === 'string' && key !== 'time') found.push(value);
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, k);
    };
    walk(parsed, '');
    return found;
  } catch {
    return [line];
  }
}

export function personalIn(line: string): string[] {
  if (NOT_LOGS.test(line)) return [];
  const kinds = new Set<string>();
  for (const text of stringsOf(line))
    for (const { kind, pattern } of PERSONAL) if (pattern.test(text)) kinds.add(kind);
  return [...kinds];
}

/** Every kept line that holds something personal, with the file it came from. */
export function scanLogs(dir: string): { lines: number; findings: string[] } {
  let lines = 0;
  const findings: string[] = [];
  for (const name of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      lines++;
      const kinds = personalIn(line);
      if (kinds.length > 0) findings.push(`${name}: [${kinds.join(', ')}] ${line.slice(0, 400)}`);
    }
  }
  return { lines, findings };
}
