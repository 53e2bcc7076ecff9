import { z } from 'zod';
import { formatBirthDate, MAX_AGE, MIN_AGE, readBirthDate } from '../birth-date';
import { documentTypes, isDocumentTypeId, maskDocument, readDocument } from '../documents';
import { column, defineFlow, type FlowData, goTo, same, say, type Transition } from '../flow';
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
      .max(60, 'profile.name.invalid')
      .regex(/^\p{L}+(?:[ '-]\p{L}+)*$/u, 'profile.name.invalid'),
  );

/** After a field: on to the next one, or back to the summary when the customer was correcting this field. */
const next = (data: Readonly<FlowData>, natural: string, set: FlowData): Transition =>
  goTo(String(data.returnTo ?? natural), { ...set, returnTo: null });

/**
 * The profile (shared/seeds/000, step 5): full name, birth date, sex, identity document; all required.
 * Until it is complete the account is limited. The document goes straight to the records, encrypted;
 * conversation state keeps only its masked form. Flow data: surname, givenName, patronymic, birthDate, sex,
 * documentType, documentMasked, returnTo.
 */
export const profileFlow = defineFlow<Services>({
  name: 'profile',
  first: 'surname',
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
      text: nameAnswer,
      handle: (answer, { t, data, account }): Transition => {
        if (!account) return { to: 'done', say: [say(t('profile.need_account'))] };
        return answer.type === 'text'
          ? next(data, 'given_name', { surname: answer.value })
          : same(t('error.text_expected'));
      },
    },

    given_name: {
      ask: ({ t }) => ({ text: t('profile.given_name.ask') }),
      text: nameAnswer,
      handle: (answer, { t, data }) =>
        answer.type === 'text'
          ? next(data, 'patronymic', { givenName: answer.value })
          : same(t('error.text_expected')),
    },

    patronymic: {
      ask: ({ t }) => ({
        text: t('profile.patronymic.ask'),
        options: column(t, [['none', 'profile.patronymic.none']]),
      }),
      text: nameAnswer,
      handle: (answer, { data }) =>
        next(data, 'birth_date', { patronymic: answer.type === 'text' ? answer.value : null }),
    },

    birth_date: {
      ask: ({ t }) => ({ text: t('profile.birth_date.ask') }),
      text: z.string(),
      handle(answer, { t, data, now }) {
        const date = readBirthDate(answer.type === 'text' ? answer.value : '', new Date(now));
        if (!date.ok) return same(t(`profile.birth_date.${date.error}`, { min: MIN_AGE, max: MAX_AGE }));
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
        next(data, 'document_type', { sex: answer.type === 'choice' ? answer.value : null }),
    },

    document_type: {
      ask: ({ t, preset }) => ({
        text: t('profile.document_type.ask'),
        options: preset.documents.map((id) => [{ value: id, label: t(documentTypes[id].label) }]),
      }),
      // A new type needs its own series and number, whether or not the customer came here to correct something.
      handle: (answer, { t }) =>
        answer.type === 'choice'
          ? goTo('document', { documentType: answer.value })
          : same(t('error.choose_option')),
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
        const type = documentTypes[data.documentType];
        const document = readDocument(type, answer.type === 'text' ? answer.value : '');
        if (!document)
          return same(t('profile.document.invalid', { hint: t(type.hint), example: type.example }));
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
      async handle(answer, { t, data, account, channel, services }): Promise<Transition> {
        if (answer.type === 'choice' && answer.value === 'edit') return goTo('edit');
        if (!account) return { to: 'done', say: [say(t('profile.need_account'))] };
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
        return { to: 'done', say: [say(t('profile.saved'))] };
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
      handle: (answer, { t }) =>
        answer.type === 'choice'
          ? goTo(answer.value, { returnTo: 'summary' })
          : same(t('error.choose_option')),
    },
  },
});
