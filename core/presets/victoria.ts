import { defaultCodes, type InsurerPreset } from './preset';

/** СК «Виктория» (Kazakhstan): registration by activation link and a temporary password, Victoria's password rules. */
export const victoria: InsurerPreset = {
  id: 'victoria',
  name: { ru: 'СК «Виктория»', en: 'Victoria Insurance', kk: '«Виктория» СК' },
  // Russian by default; Kazakh offered first.
  languages: ['kk', 'ru', 'en'],
  // The instruction names no support address; the site lists the contact centre.
  support: 'https://vic.kz',
  // A monogram in the insurer's red, until the insurer hands over its own mark.
  brand: {
    color: '#a8123e',
    logo: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#a8123e"/><path d="M9 9.5l7 13 7-13" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  },
  phoneRegion: 'KZ',
  timeZone: 'Asia/Almaty',
  agreement: { url: 'https://vic.kz/agreement', version: '2026-01' },
  registration: 'activation-link',
  // Victoria's instructions say nothing of a reset: the safer mode.
  resetMode: 'chosen',
  sharedPhoneNeedsCode: true,
  codes: defaultCodes,
  activation: { linkHours: 72, temporaryPasswordHours: 72 },
  identity: { answerHours: 24 },
  password: {
    minLength: 8,
    lettersAndDigits: true,
    upperLowerDigitSpecial: true,
    special: '!@$_-',
    minStrength: 2,
    // The instruction's own example, which it says never to use.
    published: ['Ag-15!d44'],
  },
  documents: ['kz_id_card', 'kz_passport', 'foreign_passport'],
};
