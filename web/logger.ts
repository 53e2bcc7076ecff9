import type { Logger } from '../core/logger';

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

/**
 * JSON lines through `console`, which is what a Worker's logs collect (`wrangler tail`, Workers Logs); the same
 * shape as the Node side's pino lines (web/pino-logger.ts), which a Worker does not bundle.
 */
export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const threshold = levels[level];
  const write = (at: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (levels[at] < threshold) return;
    const line = JSON.stringify({ level: at, time: new Date().toISOString(), message, ...fields });
    console[at === 'info' ? 'log' : at](line);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
