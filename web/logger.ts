import type { Logger } from '../core/logger';

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

type Printer = (at: 'info' | 'warn' | 'error', line: string) => void;

/** Info on stdout, the rest on stderr (Node). */
const toStreams: Printer = (at, line) => (at === 'info' ? process.stdout : process.stderr).write(`${line}\n`);

/** Through `console`, which is what a Worker's logs collect (`wrangler tail`, Workers Logs). */
export const toConsole: Printer = (at, line) => console[at === 'info' ? 'log' : at](line);

/** JSON lines: one event per line, for whatever collects the logs. */
export function createConsoleLogger(level: LogLevel = 'info', print: Printer = toStreams): Logger {
  const threshold = levels[level];
  const write = (at: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (levels[at] < threshold) return;
    print(at, JSON.stringify({ level: at, time: new Date().toISOString(), message, ...fields }));
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
