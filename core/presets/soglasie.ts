import { defaultCodes, type InsurerPreset } from './preset';

/** СК «Согласие» (Russia): registration with a password first, both codes; the reset e-mails a new password. */
export const soglasie: InsurerPreset = {
  id: 'soglasie',
  name: { ru: 'СК «Согласие»', en: 'Soglasie Insurance', kk: '«Согласие» СК' },
  languages: ['ru', 'en'],
  support: 'digital@soglasie.ru',
  // A monogram in the insurer's blue, until the insurer hands over its own mark.
  brand: {
    color: '#0b5cab',
    logo: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#0b5cab"/><path d="M21.5 11.2A7 7 0 1 0 21.5 20.8" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/></svg>',
  },
  phoneRegion: 'RU',
  timeZone: 'Europe/Moscow',
  agreement: { url: 'https://lk.soglasie.ru/agreement', version: '2026-01' },
  registration: 'password-first',
  resetMode: 'sent',
  // The seed asks for the SMS code after the phone is typed; a shared contact proves the Telegram account,
  // not that this person reads SMS on it, so the code is still asked.
  sharedPhoneNeedsCode: true,
  codes: defaultCodes,
  activation: { linkHours: 72, temporaryPasswordHours: 72 },
  identity: { answerHours: 24 },
  password: {
    minLength: 6,
    lettersAndDigits: true,
    upperLowerDigitSpecial: false,
    special: '',
    minStrength: 1,
    published: [],
  },
  documents: ['ru_passport', 'ru_international', 'foreign_passport'],
};
