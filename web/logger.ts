import type { Logger } from '../core/logger';

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

/** JSON lines on stdout/stderr: one event per line, for whatever collects the logs. */
export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const threshold = levels[level];
  const write = (at: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (levels[at] < threshold) return;
    const line = JSON.stringify({ level: at, time: new Date().toISOString(), message, ...fields });
    (at === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
