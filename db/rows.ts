/** The rows of a raw query's answer: postgres.js answers with the rows, PGlite with an object holding them. */
export const rowsOf = <T>(result: unknown): T[] =>
  Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
