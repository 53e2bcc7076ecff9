import { timingSafeEqual } from 'node:crypto';

/** Whether a token someone gave is the expected one, compared in constant time (its length aside). */
export function sameToken(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
