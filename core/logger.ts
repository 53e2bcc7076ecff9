/** Structured logging port. Fields must never carry what a customer typed: it may hold a secret. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * An error as the logs may keep it: name and message, with the cause's code. A failed query's message ends with
 * its parameters (drizzle: "Failed query: …\nparams: …"), which hold personal data and password hashes: cut.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message.split(/\r?\nparams:/)[0] ?? '';
  const cause = error.cause as { code?: unknown; name?: unknown } | undefined;
  const causeCode =
    cause && (typeof cause.code === 'string' ? cause.code : typeof cause.name === 'string' ? cause.name : '');
  return `${error.name}: ${message}${causeCode ? ` (cause: ${causeCode})` : ''}`;
}
