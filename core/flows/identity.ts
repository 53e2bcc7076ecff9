import {
  column,
  defineFlow,
  flowMoves,
  type Prompt,
  type Step,
  type StepContext,
  same,
  say,
  type Transition,
} from '../flow';
import { isMessageKey, type MessageKey, type Translate } from '../i18n';
import { acceptsImages, missingImages } from '../identity';
import type { Outbound } from '../messages';
import type { IdentityCase, IdentityImage } from '../ports/identity-cases';
import { identityImages } from '../ports/identity-cases';
import { IMAGE_LIMITS } from '../ports/images';
import type { Services } from '../services';

type IdentityData = {
  /** Set when the customer chose to replace one picture from the summary: back to the summary after it. */
  replacing: boolean;
  /** Blurred photos refused for the image being asked for (BLURRED_REFUSALS, then one is taken with a note). */
  blurred: number;
};
type IdentityStep = 'start' | IdentityImage | 'summary';
type IdentityContext = StepContext<Services, IdentityData>;

const { goTo } = flowMoves<IdentityData, IdentityStep>();

/**
 * Identity confirmation, "selfie with passport" (Soglasie's instructions, "Дополнить заявку"): three pictures, each
 * checked as it arrives, a summary to replace any of them, then "Send" and the promised answer time. Needs an
 * account with a complete profile (the reviewer compares the passport with it); a resubmission asks for the one
 * picture the reviewer named.
 */
export const identityFlow = defineFlow<Services, IdentityData, IdentityStep>({
  name: 'identity',
  first: 'start',
  steps: {
    start: {
      ask: start,
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        switch (answer.value) {
          case 'sign_in':
            return { to: 'flow', flow: 'sign-in' };
          case 'register':
            return { to: 'flow', flow: 'registration' };
          case 'profile':
            return { to: 'flow', flow: 'profile' };
          case 'menu':
            return { to: 'done', say: [] };
          case 'begin': {
            const { account, services, channel, conversation } = ctx;
            if (!account) return same('identity.sign_in_first');
            const open = await services.identity.open({ account, channel, conversation });
            if (!acceptsImages(open)) return same('identity.under_review', { by: answerBy(open, ctx) });
            return nextAfter(open, false);
          }
        }
        return same('error.choose_option');
      },
    },
    main_page: imageStep('main_page'),
    selfie: imageStep('selfie'),
    last_page: imageStep('last_page'),
    summary: {
      ask: summary,
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        const { account, services, channel, conversation, t } = ctx;
        if (!account) return same('identity.sign_in_first');
        if (answer.value === 'later') return { to: 'done', say: [say(t('identity.later'))] };
        // The buttons of the start, shown here when the case was sent or decided from another chat.
        if (answer.value === 'menu') return { to: 'done', say: [] };
        if (answer.value === 'begin') return { to: 'flow', flow: 'identity' };
        const image = identityImages.find((name) => answer.value === `replace_${name}`);
        if (image) return goTo(image, { replacing: true, blurred: 0 });
        if (answer.value !== 'send') return same('error.choose_option');
        const sent = await services.identity.submit({ account, channel, conversation });
        if (sent.ok) {
          return {
            to: 'done',
            say: [say(t('identity.submitted', { within: promise(ctx) }))],
            completed: true,
          };
        }
        const latest = await services.identity.current(account);
        if (sent.error === 'incomplete' && latest) return nextAfter(latest, false);
        // Sent already (a double tap, another chat): the start says where the case stands; none is started again.
        return { to: 'flow', flow: 'identity' };
      },
    },
  },
});

/** One picture: asked for by name with what makes a good photo, checked on arrival, refused with the reason. */
function imageStep(image: IdentityImage): Step<Services, string, IdentityData, IdentityStep> {
  return {
    accepts: ['file'],
    ask: ({ t }) => ({
      text: `${t(`identity.image.${image}`)}\n${t(`identity.hint.${image}`)}\n\n${t('identity.how_to_send')}`,
      request: { type: 'file', accept: 'image' },
    }),
    async handle(answer, { account, services, channel, conversation, data }) {
      if (answer.type !== 'file') return same('error.file_expected');
      if (!account) return same('identity.sign_in_first');
      const blurred = data.blurred ?? 0;
      const uploaded = await services.identity.upload(
        { account, channel, conversation },
        image,
        answer,
        blurred,
      );
      if (!uploaded.ok) {
        if (uploaded.error === 'blurred')
          return { ...same('identity.problem.blurred'), set: { blurred: blurred + 1 } };
        // Sent or decided meanwhile (another chat of the same account): the start says where the case stands.
        if (uploaded.error === 'not_open') return { to: 'flow', flow: 'identity' };
        return same(`identity.problem.${uploaded.error}`, { max: IMAGE_LIMITS.maxBytes / 2 ** 20 });
      }
      // A replacement, or the one picture a reviewer asked for again, goes straight back to the summary.
      const again = uploaded.value.case.status === 'resubmission_requested';
      return nextAfter(uploaded.value.case, (data.replacing ?? false) || again);
    },
  };
}

/** The next picture the case needs, or the summary once it has all (or after a replacement). */
function nextAfter(found: IdentityCase, replacing: boolean): Transition<IdentityData, IdentityStep> {
  const [next] = missingImages(found);
  return goTo(replacing || !next ? 'summary' : next, { replacing: false, blurred: 0 });
}

/** Where the customer stands: what to do first, the case under review or decided, or what is asked for. */
async function start(ctx: IdentityContext): Promise<Prompt> {
  const { t, account, services } = ctx;
  if (!account) {
    return {
      text: t('identity.sign_in_first'),
      options: column(t, [
        ['sign_in', 'menu.sign_in'],
        ['register', 'menu.register'],
        ['menu', 'account.menu'],
      ]),
    };
  }
  const [found, latest] = await Promise.all([
    services.accounts.overview(account),
    services.identity.current(account),
  ]);
  if (!found?.profileComplete) {
    return {
      text: t('identity.profile_first'),
      options: column(t, [
        ['profile', 'account.complete_profile'],
        ['menu', 'account.menu'],
      ]),
    };
  }
  const toMenu = column(t, [['menu', 'account.menu']]);
  if (latest?.status === 'approved') return { text: t('identity.confirmed'), options: toMenu };
  if (latest?.status === 'submitted' || latest?.status === 'in_review')
    return { text: t('identity.under_review', { by: answerBy(latest, ctx) }), options: toMenu };
  const begin: [string, MessageKey][] = [
    ['begin', latest && acceptsImages(latest) ? 'identity.continue' : 'identity.begin'],
    ['menu', 'account.menu'],
  ];
  if (latest?.status === 'resubmission_requested' && latest.requestedImage) {
    const text = t('identity.asked_again', {
      image: t(`identity.image.${latest.requestedImage}`),
      reason: reasonOf(latest, t),
    });
    return { text, options: column(t, begin) };
  }
  const rejected =
    latest?.status === 'rejected'
      ? `${t('identity.rejected_before', { reason: reasonOf(latest, t) })}\n\n`
      : '';
  return { text: `${rejected}${t('identity.intro')}`, options: column(t, begin) };
}

/** The three pictures (previews in the web chat, a list in the text), with "Send" and a way to replace each. */
async function summary(ctx: IdentityContext): Promise<Prompt> {
  const { t, account, services } = ctx;
  const latest = account ? await services.identity.current(account) : null;
  // Sent or decided from another chat meanwhile: where the case stands, as the start says it.
  if (!latest || !acceptsImages(latest)) return start(ctx);
  const replaceable =
    latest.status === 'resubmission_requested' && latest.requestedImage
      ? [latest.requestedImage]
      : identityImages;
  const lines = identityImages.map((image) => {
    const held = latest.images[image];
    const mark = held ? (held.notes.includes('blurred') ? t('identity.summary.blurred') : '✓') : '—';
    return `${mark} ${t(`identity.image.${image}`)}`;
  });
  const previews: Outbound[] = [
    {
      type: 'previews',
      images: identityImages.flatMap((image) => {
        const held = latest.images[image];
        return held ? [{ id: held.previewId, caption: t(`identity.image.${image}`) }] : [];
      }),
    },
  ];
  return {
    before: previews,
    text: `${t('identity.summary')}\n${lines.join('\n')}`,
    options: column(t, [
      ['send', 'identity.send'],
      ...replaceable.map((image): [string, MessageKey] => [`replace_${image}`, `identity.replace.${image}`]),
      ['later', 'identity.later_button'],
    ]),
  };
}

/** The reviewer's reason for a rejection or a request, in the customer's language. */
export function reasonOf(found: IdentityCase, t: Translate): string {
  const key = `identity.reason.${found.reason ?? ''}`;
  return t(isMessageKey(key) ? key : 'identity.reason.unreadable');
}

/** "within 24 hours", as Soglasie's instructions say it ("в течение суток"), or the preset's hours. */
function promise({ t, preset }: IdentityContext): string {
  const hours = preset.identity.answerHours;
  return hours === 24 ? t('identity.within_day') : t('identity.within_hours', { hours });
}

/** The promised answer time, in the insurer's time zone and the customer's language ("My account" says it too). */
export function answerBy(
  found: IdentityCase,
  { locale, preset }: Pick<StepContext, 'locale' | 'preset'>,
): string {
  if (!found.answerBy) return '—';
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: preset.timeZone,
  }).format(found.answerBy);
}
