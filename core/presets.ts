import type { Locale } from './i18n';

/**
 * What differs between insurers is data, not code: each preset configures the same flows.
 * Sources: shared/seeds (Soglasie's and Victoria's own instructions).
 */
export interface InsurerPreset {
  id: InsurerId;
  /** Shown in greetings, e-mails and SMS. */
  name: Record<Locale, string>;
  /** Where replies that cannot help send the customer. */
  support: string;
  /** ISO 3166 region used to read phone numbers typed without a country code. */
  phoneRegion: 'RU' | 'KZ';
  agreement: { url: string; version: string };
}

export const insurerIds = ['soglasie', 'victoria'] as const;
export type InsurerId = (typeof insurerIds)[number];

export const presets: Record<InsurerId, InsurerPreset> = {
  soglasie: {
    id: 'soglasie',
    name: { ru: 'СК «Согласие»', en: 'Soglasie Insurance' },
    support: 'digital@soglasie.ru',
    phoneRegion: 'RU',
    agreement: { url: 'https://lk.soglasie.ru/agreement', version: '2026-01' },
  },
  victoria: {
    id: 'victoria',
    name: { ru: 'СК «Виктория»', en: 'Victoria Insurance' },
    // The instruction names no support address; the site lists the contact centre.
    support: 'https://vic.kz',
    phoneRegion: 'KZ',
    agreement: { url: 'https://vic.kz/agreement', version: '2026-01' },
  },
};
