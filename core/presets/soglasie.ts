import { defaultCodes, type InsurerPreset } from './preset';

/** СК «Согласие» (Russia): registration with a password first, both codes; the reset e-mails a new password. */
export const soglasie: InsurerPreset = {
  id: 'soglasie',
  name: { ru: 'СК «Согласие»', en: 'Soglasie Insurance', kk: '«Согласие» СК' },
  languages: ['ru', 'en'],
  support: 'digital@soglasie.ru',
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
