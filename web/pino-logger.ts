import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream } from 'pino';
import type { Logger } from '../core/logger';
import type { LogLevel } from './logger';

/** What every line logged inside a piece of work carries: its request's id, its job's queue. */
const context = new AsyncLocalStorage<Record<string, string>>();

/** Runs `work` with `fields` added to every line it logs, however deep (a request's id, a job's queue). */
export function withLogContext<T>(fields: Record<string, string>, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

/**
 * Fields that may hold personal data, wherever a caller puts them (top level or one object down): masked rather
 * than dropped, so a line still says which contact it was about without saying whose. Callers are not to log
 * them at all (core/logger.ts); this is the net under that rule.
 */
const PERSONAL = ['email', 'phone', 'contact', 'password', 'code', 'text', 'document', 'name', 'birthDate'];
const paths = PERSONAL.flatMap((field) => [field, `*.${field}`]);

/** `anna@example.ru` → `a***@example.ru`; `+79161234567` → `***4567`; anything else → `[redacted]`. */
export function maskPersonal(value: unknown): string {
  if (typeof value !== 'string') return '[redacted]';
  const at = value.lastIndexOf('@');
  if (at > 0) return `${value.slice(0, 1)}***${value.slice(at)}`;
  if (/^\+?[\d ()-]{7,}$/.test(value)) return `***${value.replace(/\D/g, '').slice(-4)}`;
  return '[redacted]';
}

/**
 * The Node side's logger: pino, one JSON line per event on stdout (`level`, `time`, `message`, the fields, and the
 * work's context), personal fields masked by path; `pretty` for a person reading a terminal (pino-pretty, in a
 * worker thread). `destination` is for tests.
 */
export function createPinoLogger(options: {
  level: LogLevel;
  pretty?: boolean;
  destination?: DestinationStream;
}): Logger {
  const log = pino(
    {
      level: options.level,
      base: undefined, // no pid and hostname on every line: the collector knows where lines came from
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
      redact: { paths, censor: maskPersonal },
      ...(options.pretty && !options.destination
        ? { transport: { target: 'pino-pretty', options: { messageKey: 'message', colorize: true } } }
        : {}),
    },
    options.destination,
  );
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
