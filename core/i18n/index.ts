import i18next from 'i18next';
import type { MessageKey, Translate } from './catalogue';
import { en } from './en';
import { kk } from './kk';
import { ru } from './ru';

export type { MessageKey, Translate } from './catalogue';

export const locales = ['ru', 'en', 'kk'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'ru';

/** Native names, shown on the language buttons. */
export const localeNames: Record<Locale, string> = { ru: 'Русский', en: 'English', kk: 'Қазақша' };

const pluralForms = ['zero', 'one', 'two', 'few', 'many', 'other'];

/** Whether `key` is in the catalogue (a plural key by any of its forms). */
export const isMessageKey = (key: string): key is MessageKey =>
  key in ru || pluralForms.some((form) => `${key}_${form}` in ru);

export const isLocale = (value: unknown): value is Locale => locales.includes(value as Locale);

/** Maps a channel's hint (`en-US`, `ru`, `kk`) to a language `offered` (by the insurer), or null when none fits. */
export function matchLocale(hint: string | undefined, offered: readonly Locale[] = locales): Locale | null {
  const base = hint?.toLowerCase().split(/[-_]/)[0];
  return isLocale(base) && offered.includes(base) ? base : null;
}

/**
 * A page's language: the one asked for (`?lang=`), else the first of Accept-Language's that is `offered`, else
 * `fallback`.
 */
export function pageLocale(
  asked: string | undefined,
  acceptLanguage: string | undefined,
  offered: readonly Locale[],
  fallback: Locale = offered[0] ?? defaultLocale,
): Locale {
  return (
    matchLocale(asked, offered) ??
    (acceptLanguage ?? '')
      .split(',')
      .map((part) => matchLocale(part.split(';')[0]?.trim(), offered))
      .find((locale) => locale !== null) ??
    fallback
  );
}

/**
 * The translations of every locale: one i18next instance (not i18next's global), initialised synchronously from the
 * bundled catalogues on first use, so it runs the same on Node and Workers, and shared by every caller after that:
 * the catalogues never change and a fixed-locale `t` keeps no state between calls. Building it is the costliest part
 * of composing Kabinet (≈0.2 ms each, and a composition asked for it 9 times), which a Worker does per request.
 * Plural rules come from `Intl.PluralRules` through i18next.
 */
export function createTranslations(): (locale: Locale) => Translate {
  shared ??= buildTranslations();
  return shared;
}

let shared: ((locale: Locale) => Translate) | undefined;

function buildTranslations(): (locale: Locale) => Translate {
  const instance = i18next.createInstance();
  instance.init({
    resources: { ru: { translation: ru }, en: { translation: en }, kk: { translation: kk } },
    lng: defaultLocale,
    fallbackLng: defaultLocale,
    keySeparator: false,
    nsSeparator: false,
    // Output is plain text; each channel escapes for its own medium.
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  const byLocale = Object.fromEntries(locales.map((l) => [l, instance.getFixedT(l)])) as Record<
    Locale,
    (key: string, vars?: object) => string
  >;
  return (locale) => (key, vars) => byLocale[locale](key, vars);
}
