import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { because } from './flow';
import type { ContactKind } from './ports/accounts';
import { fail, ok, type Result } from './result';

/**
 * An e-mail as customers type it: trimmed, the domain lower-cased (the local part is the mailbox owner's
 * business and stays as typed).
 */
export const emailAnswer = z
  .string()
  .trim()
  .max(254, because('reg.email.invalid'))
  // Cyrillic domains (почта.рф) are real addresses here.
  .pipe(z.email({ message: because('reg.email.invalid'), pattern: z.regexes.unicodeEmail }))
  .transform((email) => {
    const at = email.lastIndexOf('@');
    return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
  });

export type PhoneProblem = 'invalid' | 'not_mobile';

/** Reads a mobile number in E.164 (+79161234567); a number without a country code is read in `region`. */
export function readMobilePhone(typed: string, region: 'RU' | 'KZ'): Result<string, PhoneProblem> {
  // Russians often write 8 instead of +7; libphonenumber reads the trunk prefix for RU and KZ alike.
  const phone = parsePhoneNumberFromString(typed.trim(), region);
  if (!phone?.isValid()) return fail('invalid');
  const type = phone.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return fail('not_mobile');
  return ok(phone.number);
}

/** A phone shown back to the customer: +7 916 123-45-67. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** An e-mail or a mobile phone, normalised as at registration: whichever the customer typed. */
export interface TypedContact {
  kind: ContactKind;
  value: string;
}

/** Reads one field that may hold an e-mail (it has an @) or a phone number (read in `region`). */
export function readContact(typed: string, region: 'RU' | 'KZ'): Result<TypedContact, 'invalid'> {
  if (typed.includes('@')) {
    const email = emailAnswer.safeParse(typed);
    return email.success ? ok({ kind: 'email', value: email.data }) : fail('invalid');
  }
  const phone = readMobilePhone(typed, region);
  return phone.ok ? ok({ kind: 'phone', value: phone.value }) : fail('invalid');
}
