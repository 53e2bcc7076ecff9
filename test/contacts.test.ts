import { describe, expect, it } from 'vitest';
import { contactKey, readEmail } from '../core/contacts';

describe('reading an e-mail', () => {
  it('takes one mailbox as it will be sent to: the domain lower-case and in punycode, the local part as typed', () => {
    expect(readEmail('  Olga.Petrova+kabinet@Example.RU ')).toBe('Olga.Petrova+kabinet@example.ru');
    expect(readEmail('anna@почта.рф')).toBe('anna@xn--80a1acny.xn--p1ai');
    // Every character RFC 5321 allows in an unquoted local part.
    for (const local of ['john_doe', "o'brien", 'a-b', 'x+tag', "!#$%&'*+/=?^_`{|}~-"])
      expect(readEmail(`${local}@example.ru`)).toBe(`${local}@example.ru`);
    expect(readEmail('anna@ПОЧТА.РФ')).toBe('anna@xn--80a1acny.xn--p1ai');
  });

  it.each([
    ['a NUL byte', 'nu\u0000l@example.com'],
    ['a control character', 'bel\u0007@example.com'],
    ['a list of two', 'victim1,attacker1@example.com'],
    ['two addresses', 'a@x.ru b@y.ru'],
    ['markup', '<svg onload=alert(1)>@example.com'],
    ['a display name', 'Olga <olga@example.ru>'],
    ['no top-level domain', 'olga@localhost'],
    ['an IP for a domain', 'olga@[127.0.0.1]'],
    ['a quoted local part', '"olga petrova"@example.ru'],
    ['a Cyrillic local part', 'ольга@example.ru'],
    ['two dots', 'olga..p@example.ru'],
    ['a zero-width space', 'ol\u200bga@example.ru'],
    ['a right-to-left mark in the domain', 'olga@exam\u200fple.ru'],
    ['an underscore in the domain', 'olga@exa_mple.ru'],
    ['no local part', '@example.ru'],
    ['no @', 'olga.example.ru'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.ru`],
    ['an address over 254 characters', `a@${'b'.repeat(250)}.ru`],
  ])('refuses %s', (_why, typed) => {
    expect(readEmail(typed)).toBeNull();
  });
});

describe('matching a contact', () => {
  it('matches an e-mail whatever its letter case, and a phone as it is', () => {
    expect(contactKey('email', 'Bomb.X@example.ru')).toBe(contactKey('email', 'bOmb.x@example.ru'));
    expect(contactKey('email', 'Bomb.X@example.ru')).toBe('bomb.x@example.ru');
    expect(contactKey('phone', '+79161234567')).toBe('+79161234567');
  });
});
