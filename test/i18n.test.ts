import { describe, expect, it } from 'vitest';
import { createTranslations, locales } from '../core/i18n';
import { en } from '../core/i18n/en';
import { kk } from '../core/i18n/kk';
import { ru } from '../core/i18n/ru';
import { presets } from '../core/presets';

const catalogues = { ru, en, kk };
const placeholders = (text: string) => [...text.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('has every message in every language, with the same placeholders as the Russian', () => {
    for (const locale of locales) {
      const catalogue: Record<string, string> = catalogues[locale];
      expect(Object.keys(catalogue).sort(), locale).toEqual(Object.keys(ru).sort());
      for (const [key, text] of Object.entries(ru)) {
        expect(catalogue[key]?.trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(catalogue[key] ?? ''), `${locale} ${key}`).toEqual(placeholders(text));
      }
    }
  });

  it('lets no English leak into Russian or Kazakh', () => {
    const english = (catalogue: Record<string, string>) =>
      Object.keys(en).filter((key) => catalogue[key] === (en as Record<string, string>)[key]);
    // A brand name, and the language button that names every language in its own.
    expect(english(ru)).toEqual(['menu.language', 'channel.tg']);
    expect(english(kk)).toEqual(['channel.tg']);
  });

  it('speaks Kazakh, with its plural and the insurer’s Kazakh name', () => {
    const t = createTranslations()('kk');
    expect(t('code.wrong', { count: 3 })).toContain('3');
    expect(t('greeting', { insurer: presets.victoria.name.kk })).toContain('«Виктория» СК');
    expect(t('menu.prompt')).not.toBe(ru['menu.prompt']);
  });

  it('offers Kazakh first under Victoria, and not at all under Soglasie', () => {
    expect(presets.victoria.languages[0]).toBe('kk');
    expect(presets.soglasie.languages).not.toContain('kk');
  });
});
