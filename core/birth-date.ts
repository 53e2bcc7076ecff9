import { fail, ok, type Result } from './result';

export type BirthDateProblem = 'format' | 'nonexistent' | 'future' | 'too_young' | 'too_old';

export const MIN_AGE = 14;
export const MAX_AGE = 120;

/** Reads DD.MM.YYYY (also with / or - and one-digit day or month) into ISO YYYY-MM-DD, checking age on `today`. */
export function readBirthDate(typed: string, today: Date): Result<string, BirthDateProblem> {
  const match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(typed.trim());
  if (!match) return fail('format');
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return fail('nonexistent');
  }
  if (date.getTime() > today.getTime()) return fail('future');
  const age = ageOn(date, today);
  if (age < MIN_AGE) return fail('too_young');
  if (age > MAX_AGE) return fail('too_old');
  return ok(date.toISOString().slice(0, 10));
}

/** Full years between a birth date and `today` (both read in UTC). */
function ageOn(birth: Date, today: Date): number {
  const years = today.getUTCFullYear() - birth.getUTCFullYear();
  const hadBirthday =
    today.getUTCMonth() > birth.getUTCMonth() ||
    (today.getUTCMonth() === birth.getUTCMonth() && today.getUTCDate() >= birth.getUTCDate());
  return hadBirthday ? years : years - 1;
}

/** ISO back to how the customer wrote it: 05.03.1985. */
export const formatBirthDate = (iso: string): string => iso.split('-').reverse().join('.');
