import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import type { Translate } from './i18n';
import type { PasswordRules } from './presets';
import { fail, ok, type Result } from './result';

/** The first rule a password breaks; each has its own message (`password.error.<problem>`). */
export type PasswordProblem =
  | 'too_short'
  | 'too_long'
  | 'letters_digits'
  | 'latin_only'
  | 'upper_lower'
  | 'special'
  | 'published'
  | 'personal'
  | 'common';

/** Longest accepted password: bcrypt reads only the first 72 bytes, so longer ones would be silently cut. */
export const MAX_PASSWORD_BYTES = 72;

// Built once per process: loading the published-password dictionaries costs ~50 ms, each check well under 1 ms.
let estimator: ZxcvbnFactory | null = null;
const strength = () =>
  (estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs }));

/**
 * Checks a password against the preset's rules, then against published and personal passwords.
 * `personal`: the customer's own e-mail and phone, which a password must not be built from.
 */
export function checkPassword(
  password: string,
  rules: PasswordRules,
  personal: string[] = [],
): Result<void, PasswordProblem> {
  if ([...password].length < rules.minLength) return fail('too_short');
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) return fail('too_long');
  if (rules.lettersAndDigits && !(/\p{L}/u.test(password) && /\d/.test(password)))
    return fail('letters_digits');
  if (rules.upperLowerDigitSpecial) {
    const allowed = new RegExp(`^[A-Za-z0-9${escapeClass(rules.special)}]+$`);
    if (!allowed.test(password)) return fail('latin_only');
    if (!(/[A-Z]/.test(password) && /[a-z]/.test(password))) return fail('upper_lower');
    if (![...rules.special].some((c) => password.includes(c))) return fail('special');
  }
  if (rules.published.includes(password)) return fail('published');
  const estimate = strength().check(password, personalWords(personal));
  if (estimate.sequence.some((match) => 'dictionaryName' in match && match.dictionaryName === 'userInputs')) {
    return fail('personal');
  }
  if (estimate.score < Math.max(1, rules.minStrength)) return fail('common');
  return ok(undefined);
}

/** The rules in words, for the question that asks for a password. */
export function describePasswordRules(rules: PasswordRules, t: Translate): string {
  const parts = [t('password.rule.min_length', { min: rules.minLength })];
  if (rules.upperLowerDigitSpecial)
    parts.push(t('password.rule.upper_lower_digit_special', { chars: rules.special }));
  else if (rules.lettersAndDigits) parts.push(t('password.rule.letters_digits'));
  return parts.join(', ');
}

/** What to tell the customer about a refused password. */
export function explainPasswordProblem(problem: PasswordProblem, rules: PasswordRules, t: Translate): string {
  const { key, vars } = passwordRefusal(problem, rules);
  return t(key, vars);
}

/** The same, as a message key and its variables, for a step to refuse the answer with. */
export const passwordRefusal = (
  problem: PasswordProblem,
  rules: PasswordRules,
): { key: `password.error.${PasswordProblem}`; vars: Record<string, string | number> } => ({
  key: `password.error.${problem}`,
  vars: { min: rules.minLength, chars: rules.special, max: MAX_PASSWORD_BYTES },
});

/** An e-mail or phone and its parts (mailbox, domain, the number without its country code), as a password reuses them. */
const personalWords = (personal: string[]) =>
  personal
    .flatMap((value) => [value, ...value.split(/[@.+\-_\s()]+/)])
    .flatMap((word) => (/^\d{11,}$/.test(word) ? [word, word.slice(-10)] : [word]))
    .filter((word) => word.length >= 4);

const escapeClass = (chars: string) => chars.replace(/[\\\]^-]/g, '\\$&');
