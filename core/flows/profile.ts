import { z } from 'zod';
import { formatBirthDate, MAX_AGE, MIN_AGE, readBirthDate } from '../birth-date';
import { documentTypes, isDocumentTypeId, maskDocument, readDocument } from '../documents';
import {
  because,
  column,
  defineFlow,
  flowMoves,
  type StepContext,
  same,
  say,
  type Transition,
} from '../flow';
import type { Services } from '../services';

/** A name as in the document: letters with spaces, hyphens or apostrophes between them. */
const nameAnswer = z
  .string()
  .transform((typed) =>
    typed
      .replace(/\s+/g, ' ')
      .replace(/[‐‑–—]/g, '-')
      .replace(/[’ʼ`]/g, "'")
      .trim(),
  )
  .pipe(
    z
      .string()
      .max(60, because('profile.name.invalid'))
      .regex(/^\p{L}+(?:[ '-]\p{L}+)*$/u, because('profile.name.invalid')),
  );

/** What the profile collects; the document itself goes straight to the records, never into this. */
type ProfileData = {
  surname: string;
  givenName: string;
  /** Null where the document has none. */
  patronymic: string | null;
  /** ISO date. */
  birthDate: string;
  sex: 'male' | 'female';
  documentType: string;
  /** The document number as shown back, masked (`45** ***456`). */
  documentMasked: string;
  /** Set while the customer corrects one field from the summary. */
  returnTo: 'summary' | null;
};

/** The fields the summary offers to correct, each the step that asks it. */
const fields = ['surname', 'given_name', 'patronymic', 'birth_date', 'sex', 'document_type'] as const;
type ProfileField = (typeof fields)[number];
const isField = (value: string): value is ProfileField => (fields as readonly string[]).includes(value);

type ProfileStep = ProfileField | 'document' | 'summary' | 'edit';

const { goTo } = flowMoves<ProfileData, ProfileStep>();

/** After a field: on to the next one, or back to the summary when the customer was correcting this field. */
const next = (
  data: StepContext<Services, ProfileData>['data'],
  natural: ProfileStep,
  set: Partial<ProfileData>,
): Transition<ProfileData, ProfileStep> => goTo(data.returnTo ?? natural, { ...set, returnTo: null });

/**
 * The profile (step 5 of Soglasie's instructions): full name, birth date, sex, identity document; all required.
 * Until it is complete the account is limited. The document goes straight to the records, encrypted;
 * conversation state keeps only its masked form.
 */
export const profileFlow = defineFlow<Services, ProfileData, ProfileStep>({
  name: 'profile',
  first: 'surname',
  // Once the summary has been shown, every answer is there to lose: /cancel asks first.
  cancelAsks: (data) => data.documentMasked !== undefined,
  progress: [
    'surname',
    'given_name',
    'patronymic',
    'birth_date',
    'sex',
    'document_type',
    'document',
    'summary',
  ],
  steps: {
    surname: {
      ask: ({ t }) => ({ text: t('profile.surname.ask') }),
      expects: 'family-name',
      text: nameAnswer,
      handle: (answer, { t, data, account }): Transition<ProfileData, ProfileStep> => {
        if (!account) return { to: 'done', say: [say(t('profile.need_account'))] };
        return answer.type === 'text'
          ? next(data, 'given_name', { surname: answer.value })
          : same('error.text_expected');
      },
    },

    given_name: {
      ask: ({ t }) => ({ text: t('profile.given_name.ask') }),
      expects: 'given-name',
      text: nameAnswer,
      handle: (answer, { data }) =>
        answer.type === 'text'
          ? next(data, 'patronymic', { givenName: answer.value })
          : same('error.text_expected'),
    },

    patronymic: {
      ask: ({ t }) => ({
        text: t('profile.patronymic.ask'),
        options: column(t, [['none', 'profile.patronymic.none']]),
      }),
      expects: 'additional-name',
      text: nameAnswer,
      handle: (answer, { data }) =>
        next(data, 'birth_date', { patronymic: answer.type === 'text' ? answer.value : null }),
    },

    birth_date: {
      ask: ({ t }) => ({ text: t('profile.birth_date.ask') }),
      expects: 'bday',
      text: z.string(),
      handle(answer, { data, now }) {
        const date = readBirthDate(answer.type === 'text' ? answer.value : '', new Date(now));
        if (!date.ok) return same(`profile.birth_date.${date.error}`, { min: MIN_AGE, max: MAX_AGE });
        return next(data, 'sex', { birthDate: date.value });
      },
    },

    sex: {
      ask: ({ t }) => ({
        text: t('profile.sex.ask'),
        options: [
          [
            { value: 'male', label: t('profile.sex.male') },
            { value: 'female', label: t('profile.sex.female') },
          ],
        ],
      }),
      handle: (answer, { data }) =>
        answer.type === 'choice' && (answer.value === 'male' || answer.value === 'female')
          ? next(data, 'document_type', { sex: answer.value })
          : same('error.choose_option'),
    },

    document_type: {
      ask: ({ t, preset }) => ({
        text: t('profile.document_type.ask'),
        options: preset.documents.map((id) => [{ value: id, label: t(documentTypes[id].label) }]),
      }),
      // A new type needs its own series and number, whether or not the customer came here to correct something.
      handle: (answer) =>
        answer.type === 'choice'
          ? goTo('document', { documentType: answer.value })
          : same('error.choose_option'),
    },

    document: {
      ask: ({ t, data }) => {
        const type = isDocumentTypeId(data.documentType)
          ? documentTypes[data.documentType]
          : documentTypes.ru_passport;
        return { text: t('profile.document.ask', { hint: t(type.hint), example: type.example }) };
      },
      text: z.string(),
      async handle(answer, { t, data, account, channel, services }) {
        if (!account || !isDocumentTypeId(data.documentType)) return goTo('document_type');
        if (await underReview(account, services))
          return { to: 'done', say: [say(t('profile.locked_under_review'))] };
        const type = documentTypes[data.documentType];
        const document = readDocument(type, answer.type === 'text' ? answer.value : '');
        if (!document) return same('profile.document.invalid', { hint: t(type.hint), example: type.example });
        await services.accounts.saveDocument(account, { type: type.id, ...document }, `customer:${channel}`);
        return next(data, 'summary', { documentMasked: maskDocument(document.series, document.number) });
      },
    },

    summary: {
      ask: ({ t, data }) => ({
        text: t('profile.summary.ask', {
          surname: String(data.surname),
          givenName: String(data.givenName),
          patronymic: data.patronymic ? String(data.patronymic) : t('profile.patronymic.absent'),
          birthDate: formatBirthDate(String(data.birthDate)),
          sex: t(data.sex === 'female' ? 'profile.sex.female' : 'profile.sex.male'),
          document: isDocumentTypeId(data.documentType) ? t(documentTypes[data.documentType].label) : '',
          documentNumber: String(data.documentMasked),
        }),
        options: column(t, [
          ['save', 'profile.summary.save'],
          ['edit', 'profile.summary.edit'],
        ]),
      }),
      async handle(
        answer,
        { t, data, account, channel, services },
      ): Promise<Transition<ProfileData, ProfileStep>> {
        if (answer.type === 'choice' && answer.value === 'edit') return goTo('edit');
        if (!account) return { to: 'done', say: [say(t('profile.need_account'))] };
        if (await underReview(account, services))
          return { to: 'done', say: [say(t('profile.locked_under_review'))] };
        const saved = await services.accounts.completeProfile(
          account,
          {
            surname: String(data.surname),
            givenName: String(data.givenName),
            patronymic: data.patronymic ? String(data.patronymic) : null,
            birthDate: String(data.birthDate),
            sex: data.sex === 'female' ? 'female' : 'male',
          },
          `customer:${channel}`,
        );
        if (!saved.ok) return goTo('document_type');
        return { to: 'done', say: [say(t('profile.saved'))], completed: true };
      },
    },

    edit: {
      ask: ({ t }) => ({
        text: t('profile.edit.ask'),
        options: column(t, [
          ['surname', 'profile.field.surname'],
          ['given_name', 'profile.field.given_name'],
          ['patronymic', 'profile.field.patronymic'],
          ['birth_date', 'profile.field.birth_date'],
          ['sex', 'profile.field.sex'],
          ['document_type', 'profile.field.document'],
        ]),
      }),
      handle: (answer) =>
        answer.type === 'choice' && isField(answer.value)
          ? goTo(answer.value, { returnTo: 'summary' })
          : same('error.choose_option'),
    },
  },
});

/**
 * Whether the account's identity case is with a reviewer, who compares the pictures with this very profile: it
 * cannot change under them (and approval links policies by the document the case was sent with).
 */
async function underReview(account: string, services: Services): Promise<boolean> {
  const status = (await services.identity.current(account))?.status;
  return status === 'submitted' || status === 'in_review';
}
