import type { MessageKey } from './i18n';

/**
 * An identity document a preset accepts. Series and number are asked together ("4510 123456"), as they are
 * printed side by side, so the series never waits in conversation state on its own.
 */
export interface DocumentType {
  id: string;
  label: MessageKey;
  /** Matches the typed value after `normalise`; group `series` (where the document has one) and `number`. */
  format: RegExp;
  hint: MessageKey;
  example: string;
  normalise(typed: string): string;
}

/** Spaces, dashes and the № sign people type between the characters. */
const stripSeparators = (typed: string) => typed.replace(/[\s\-№]/g, '');
const upper = (typed: string) => stripSeparators(typed).toUpperCase();

export const documentTypes = {
  ru_passport: {
    id: 'ru_passport',
    label: 'document.ru_passport',
    format: /^(?<series>\d{4})(?<number>\d{6})$/,
    hint: 'document.format.ru_passport',
    example: '4510 123456',
    normalise: stripSeparators,
  },
  ru_international: {
    id: 'ru_international',
    label: 'document.ru_international',
    format: /^(?<series>\d{2})(?<number>\d{7})$/,
    hint: 'document.format.ru_international',
    example: '75 1234567',
    normalise: stripSeparators,
  },
  kz_id_card: {
    id: 'kz_id_card',
    label: 'document.kz_id_card',
    format: /^(?<number>\d{9})$/,
    hint: 'document.format.kz_id_card',
    example: '012345678',
    normalise: stripSeparators,
  },
  kz_passport: {
    id: 'kz_passport',
    label: 'document.kz_passport',
    format: /^(?<number>N\d{8})$/,
    hint: 'document.format.kz_passport',
    example: 'N12345678',
    normalise: upper,
  },
  foreign_passport: {
    id: 'foreign_passport',
    label: 'document.foreign_passport',
    format: /^(?<number>[A-Z0-9]{5,20})$/,
    hint: 'document.format.foreign',
    example: 'AB1234567',
    normalise: upper,
  },
} satisfies Record<string, DocumentType>;

export type DocumentTypeId = keyof typeof documentTypes;

export const isDocumentTypeId = (id: unknown): id is DocumentTypeId =>
  typeof id === 'string' && Object.hasOwn(documentTypes, id);

/** Reads a typed series and number; null when it does not fit the document's format. */
export function readDocument(
  type: DocumentType,
  typed: string,
): { series: string | null; number: string } | null {
  const groups = type.format.exec(type.normalise(typed))?.groups;
  return groups?.number ? { series: groups.series ?? null, number: groups.number } : null;
}

/** Personal data on screen: the first two characters of the series and the last three of the number. */
export function maskDocument(series: string | null, number: string): string {
  const maskedSeries = series ? `${series.slice(0, 2)}${'*'.repeat(Math.max(0, series.length - 2))} ` : '';
  return `${maskedSeries}${'*'.repeat(Math.max(0, number.length - 3))}${number.slice(-3)}`;
}
