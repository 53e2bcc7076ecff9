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
 * than dropped where a mask still helps (an e-mail, a phone), else redacted. Callers are not to log them at all
 * (core/logger.ts); this is the net under that rule, and `scrubbed` the net under this one.
 */
const PERSONAL = ['email', 'phone', 'contact', 'password', 'code', 'text', 'document', 'name', 'birthDate'];
const paths = PERSONAL.flatMap((field) => [field, `*.${field}`]);

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** International numbers, and Russian/Kazakh ones written from 7 or 8 (never a bare id of ten digits or fewer). */
const PHONE = /\+\d[\d ()-]{8,}\d|\b[78]\d{10}\b/g;
const maskEmail = (email: string) => `${email.slice(0, 1)}***${email.slice(email.lastIndexOf('@'))}`;
const maskPhone = (phone: string) => `***${phone.replace(/\D/g, '').slice(-4)}`;

/** A personal field's value by its name: an e-mail or a phone masked, anything else (a password) redacted. */
export function maskPersonal(value: unknown, path: string[]): string {
  const field = path.at(-1);
  // Masked already by `scrubbed`, which runs first.
  if (typeof value === 'string' && /^(?:\*\*\*\d{4}|[^@\s]\*\*\*@\S+)$/.test(value)) return value;
  if (
    typeof value === 'string' &&
    (field === 'email' || field === 'contact') &&
    /^[^@\s]+@[^@\s]+$/.test(value)
  )
    return maskEmail(value);
  if (
    typeof value === 'string' &&
    (field === 'phone' || field === 'contact') &&
    /^\+?[\d ()-]{7,}$/.test(value)
  )
    return maskPhone(value);
  return '[redacted]';
}

/**
 * Every string of a line, however deep, with e-mail addresses and phone numbers masked: what a library's error
 * message carries ("550 <anna@example.ru>: mailbox unavailable") is no field anyone named.
 */
export function scrubbed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, maskEmail).replace(PHONE, maskPhone);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubbed(item, depth + 1)]));
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
      formatters: {
        level: (label) => ({ level: label }),
        log: (line) => scrubbed(line) as Record<string, unknown>,
      },
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
