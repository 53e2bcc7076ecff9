import { describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import { checkPassword, describePasswordRules } from '../core/password-policy';
import { presets } from '../core/presets';

const soglasie = presets.soglasie.password;
const victoria = presets.victoria.password;
const problem = (password: string, rules = soglasie, personal: string[] = []) => {
  const verdict = checkPassword(password, rules, personal);
  return verdict.ok ? 'ok' : verdict.error;
};

describe('password policy', () => {
  it('applies Soglasie’s rules: six characters with letters and digits, any alphabet', () => {
    expect(problem('ab1')).toBe('too_short');
    expect(problem('abcdefg')).toBe('letters_digits');
    expect(problem('1234567')).toBe('letters_digits');
    expect(problem('Подсолнух42')).toBe('ok');
    expect(problem('Sunflower42')).toBe('ok');
  });

  it('applies Victoria’s rules: eight Latin characters, both cases, a digit and one of ! @ $ _ -', () => {
    expect(problem('Ab1!x', victoria)).toBe('too_short');
    expect(problem('Подсолнух42!', victoria)).toBe('latin_only');
    expect(problem('Sun#flower42', victoria)).toBe('latin_only');
    expect(problem('sunflower42!', victoria)).toBe('upper_lower');
    expect(problem('Sunflower42', victoria)).toBe('special');
    expect(problem('Sunflower!', victoria)).toBe('letters_digits');
    expect(problem('Tq7-mZ!9pw', victoria)).toBe('ok');
  });

  it('refuses the example password Victoria’s instruction published', () => {
    expect(problem('Ag-15!d44', victoria)).toBe('published');
  });

  it('refuses passwords from published lists and ones built from the customer’s contacts', () => {
    expect(problem('qwerty123')).toBe('common');
    expect(problem('password1')).toBe('common');
    expect(problem('ivanpetrov77', soglasie, ['ivanpetrov@mail.ru', '+79161234567'])).toBe('personal');
    expect(problem('x9161234567', soglasie, ['ivanpetrov@mail.ru', '+79161234567'])).toBe('personal');
  });

  it('refuses what bcrypt would cut: more than 72 bytes', () => {
    expect(problem(`${'a1'.repeat(36)}`)).toBe('ok');
    expect(problem(`${'a1'.repeat(36)}b`)).toBe('too_long');
    expect(problem(`${'ж1'.repeat(25)}`)).toBe('too_long');
  });

  it('describes each preset’s rules in the customer’s language', () => {
    const t = createTranslations();
    expect(describePasswordRules(soglasie, t('ru'))).toBe('не короче 6 символов, обязательно буквы и цифры');
    expect(describePasswordRules(victoria, t('en'))).toBe(
      'at least 8 characters, upper- and lower-case Latin letters, digits and at least one of !@$_-',
    );
  });
});
