import { documentTypes, isDocumentTypeId, maskDocument, readDocument } from './documents';
import type { ReviewReason } from './identity-review';
import type { ReviewedProfile } from './ports/accounts';
import type { CaseStatus, IdentityImage } from './ports/identity-cases';

/**
 * What staff read at either desk (the local page, Slack). Staff work in Russian for both insurers; what the
 * customer will read is shown beside it from the customer catalogue (identity.reason.*).
 */
export const imageNames: Record<IdentityImage, string> = {
  main_page: 'Главная страница',
  selfie: 'Селфи с паспортом',
  last_page: 'Последняя страница',
};

export const reasonNames: Record<ReviewReason, string> = {
  unreadable: 'Данные не читаются',
  face_not_visible: 'Не видно лица или паспорта',
  not_matching_profile: 'Не совпадает с профилем',
  document_invalid: 'Документ недействителен',
};

export const statusNames: Record<CaseStatus, string> = {
  draft: 'черновик',
  submitted: 'ждёт проверяющего',
  in_review: 'на проверке',
  approved: 'подтверждена',
  rejected: 'отклонена',
  resubmission_requested: 'запрошен снимок заново',
};

export const channelNames: Record<string, string> = { tg: 'Telegram', web: 'веб-чат' };

/** The customer's name as the profile has it, surname first. */
export const fullName = (profile: ReviewedProfile | null): string =>
  [profile?.surname, profile?.givenName, profile?.patronymic].filter(Boolean).join(' ') || '—';

/** The profile's document masked (a channel is no place for a passport number): its type and a few characters. */
export function maskedDocument(profile: ReviewedProfile | null): string {
  if (!profile?.document) return '—';
  const type = isDocumentTypeId(profile.documentType) ? documentTypes[profile.documentType] : null;
  const read = type ? readDocument(type, profile.document) : null;
  const masked = read
    ? maskDocument(read.series, read.number)
    : `${'*'.repeat(Math.max(0, profile.document.length - 3))}${profile.document.slice(-3)}`;
  return `${type ? (documentLabels[type.id] ?? type.id) : 'документ'} ${masked}`;
}

const documentLabels: Record<string, string> = {
  ru_passport: 'Паспорт РФ',
  ru_international: 'Загранпаспорт РФ',
  kz_id_card: 'Удостоверение личности РК',
  kz_passport: 'Паспорт РК',
  foreign_passport: 'Иностранный паспорт',
};

/** "осталось 3 ч 20 мин" or "просрочено на 1 ч 5 мин", from the promised answer. */
export function timeLeft(answerBy: Date | null, now: number): string {
  if (!answerBy) return '—';
  const ms = answerBy.getTime() - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = minutes >= 60 ? `${Math.floor(minutes / 60)} ч ${minutes % 60} мин` : `${minutes} мин`;
  return ms >= 0 ? `осталось ${span}` : `просрочено на ${span}`;
}
