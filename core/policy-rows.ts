import { emailAnswer, readMobilePhone } from './contacts';
import { isDocumentTypeId } from './documents';
import type { InsurerPreset } from './presets';
import { fail, ok, type Result } from './result';

/** The columns of a policy file, by their header names. */
export const policyColumns = [
  'number',
  'product',
  'starts_on',
  'ends_on',
  'email',
  'phone',
  'document_type',
  'document_number',
] as const;

export type PolicyRecord = Partial<Record<(typeof policyColumns)[number], string>>;

/** One policy as the insurer's file states it, normalised. */
export interface PolicyRow {
  number: string;
  product: string;
  /** ISO dates. */
  startsOn: string;
  endsOn: string;
  /** Normalised as at registration; at least one of the two. */
  email: string | null;
  phone: string | null;
  document: { type: string; number: string } | null;
}

/** Why a row is refused; the import reports it with the row's line. */
export type RowProblem =
  | 'malformed'
  | 'number_missing'
  | 'product_missing'
  | 'bad_date'
  | 'period_reversed'
  | 'bad_email'
  | 'bad_phone'
  | 'no_contact'
  | 'bad_document'
  | 'duplicate_policy'
  | 'contacts_split'
  | 'contact_unproven';

/** What an operator reads for each problem. */
export const rowProblemText: Record<RowProblem, string> = {
  malformed: 'not a CSV record (a stray quote?)',
  number_missing: 'no policy number',
  product_missing: 'no product',
  bad_date: 'a date is not YYYY-MM-DD or DD.MM.YYYY',
  period_reversed: 'the policy ends before it starts',
  bad_email: 'the e-mail is not an address',
  bad_phone: 'the phone is not a mobile number',
  no_contact: 'neither e-mail nor phone',
  bad_document: "the document type is not one of the insurer's, or its number is missing",
  duplicate_policy: 'the same policy number with another holder',
  contacts_split: 'the e-mail and the phone belong to different accounts',
  contact_unproven:
    'the contact belongs to an account whose owner has not proven it yet (import again later)',
};

/** Reads one record of a policy file; the first rule it breaks is the answer. */
export function readPolicyRow(record: PolicyRecord, preset: InsurerPreset): Result<PolicyRow, RowProblem> {
  const value = (column: (typeof policyColumns)[number]) => record[column]?.trim() ?? '';
  const number = value('number');
  if (!number) return fail('number_missing');
  const product = value('product');
  if (!product) return fail('product_missing');
  const startsOn = isoDate(value('starts_on'));
  const endsOn = isoDate(value('ends_on'));
  if (!startsOn || !endsOn) return fail('bad_date');
  if (endsOn < startsOn) return fail('period_reversed');
  let email: string | null = null;
  if (value('email')) {
    const parsed = emailAnswer.safeParse(value('email'));
    if (!parsed.success) return fail('bad_email');
    email = parsed.data;
  }
  let phone: string | null = null;
  if (value('phone')) {
    const parsed = readMobilePhone(value('phone'), preset.phoneRegion);
    if (!parsed.ok) return fail('bad_phone');
    phone = parsed.value;
  }
  const type = value('document_type');
  const documentNumber = normaliseDocumentNumber(value('document_number'));
  if (
    (type || documentNumber) &&
    !(isDocumentTypeId(type) && preset.documents.includes(type) && documentNumber)
  )
    return fail('bad_document');
  const document = type ? { type, number: documentNumber } : null;
  if (!email && !phone) return fail('no_contact');
  return ok({ number, product, startsOn, endsOn, email, phone, document });
}

/** A document's series and number as one string, however spaced: what its fingerprint is taken of. */
export const normaliseDocumentNumber = (typed: string): string => typed.replace(/[\s-]/g, '').toUpperCase();

/** YYYY-MM-DD or DD.MM.YYYY to ISO, or null for anything else (or a day that does not exist). */
function isoDate(text: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) ?? /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = text.includes('-')
    ? [match[1], match[2], match[3]]
    : [match[3], match[2], match[1]];
  const iso = `${year}-${month}-${day}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}
