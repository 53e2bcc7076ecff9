import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import isEmail from 'validator/lib/isEmail.js';
import { z } from 'zod';
import { because } from './flow';
import type { ContactKind } from './ports/accounts';
import { fail, ok, type Result } from './result';

/** validator.js, strict: one mailbox with a top-level domain, no display name, no IP, no non-ASCII local part. */
const STRICT = {
  require_tld: true,
  allow_ip_domain: false,
  allow_utf8_local_part: false,
  allow_display_name: false,
  allow_underscores: false,
  domain_specific_validation: false,
} as const;

/** RFC 5321's dot-atom: no quoted local parts (`"a b"@x.ru` is valid mail, and a trap for everyone after us). */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * One mailbox, exactly as nodemailer will send to it and as it is stored: the local part as typed (its owner's
 * business), the domain lower-cased and in punycode (почта.рф → xn--80a1acny.xn--p1ai). Null for anything else: a
 * control character, a comma list, markup, a missing top-level domain, a quoted or non-ASCII local part.
 */
export function readEmail(typed: string): string | null {
  const address = typed.trim();
  const at = address.lastIndexOf('@');
  if (at < 1 || address.length > 254) return null;
  const local = address.slice(0, at);
  const domain = asciiDomain(address.slice(at + 1));
  if (!domain || local.length > 64 || !DOT_ATOM.test(local)) return null;
  const email = `${local}@${domain}`;
  return isEmail(email, STRICT) ? email : null;
}

/** A domain in lower-case ASCII (IDN in punycode, by the WHATWG URL parser: Node and Workers alike); null if none. */
function asciiDomain(domain: string): string | null {
  if (!domain || /[^\p{L}\p{N}.-]/u.test(domain)) return null;
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return null;
  }
}

/** An e-mail answer: `readEmail`, refused with the e-mail hint. */
export const emailAnswer = z
  .string()
  .max(300, because('reg.email.invalid'))
  .transform((typed, context) => {
    const email = readEmail(typed);
    if (email) return email;
    context.addIssue({ code: 'custom', message: because('reg.email.invalid') });
    return z.NEVER;
  });

/**
 * What a contact is matched by: an e-mail without regard to letter case (`Olga@…` and `olga@…` are one mailbox
 * to every provider a customer uses), a phone as its E.164 number. ASCII letters only are folded, exactly as the
 * migration that made the key (`translate`, whatever the database's locale): a local part is ASCII anyway.
 */
export function contactKey(kind: ContactKind, value: string): string {
  return kind === 'email' ? foldCase(value) : value;
}

/** ASCII letters lower-cased, nothing else touched: a phone number comes through as it was. */
export const foldCase = (text: string): string => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

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
