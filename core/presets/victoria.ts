import { defaultCodes, type InsurerPreset } from './preset';

/** СК «Виктория» (Kazakhstan): registration by activation link and a temporary password, Victoria's password rules. */
export const victoria: InsurerPreset = {
  id: 'victoria',
  name: { ru: 'СК «Виктория»', en: 'Victoria Insurance', kk: '«Виктория» СК' },
  // Russian by default; Kazakh offered first.
  languages: ['kk', 'ru', 'en'],
  // The instruction names no support address; the site lists the contact centre.
  support: 'https://vic.kz',
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
