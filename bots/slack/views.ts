import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { createTranslations, defaultLocale } from '../../core/i18n';
import { type ReviewReason, reviewReasons } from '../../core/identity-review';
import type { ReviewedProfile } from '../../core/ports/accounts';
import { type IdentityCase, identityImages } from '../../core/ports/identity-cases';
import {
  channelNames,
  fullName,
  imageNames,
  maskedDocument,
  reasonNames,
  statusNames,
  timeLeft,
} from '../../core/staff-words';

/**
 * Block Kit for the review desk: the case's message in the channel, the two modals, the App Home queue. Pure
 * functions of the case, so the same case always reads the same and each view is checked against Slack's limits
 * in tests. Action ids are the contract with bots/slack/review-app.ts.
 */
export const actions = {
  claim: 'case_claim',
  approve: 'case_approve',
  reject: 'case_reject',
  askAgain: 'case_ask_again',
  images: 'case_images',
} as const;
export const callbacks = { reject: 'reject_case', askAgain: 'ask_again_case' } as const;

/** What a button carries: the case and the submission it was shown for (a case sent again is another). */
export interface CaseRef {
  caseId: string;
  submittedAt: number;
}
/** What a modal carries besides: where the reviewer clicked, to answer them there. */
export interface ModalRef extends CaseRef {
  channel: string | null;
}

const refOf = (found: IdentityCase): CaseRef => ({
  caseId: found.id,
  submittedAt: found.submittedAt?.getTime() ?? 0,
});

/** A case as a card: the case, its profile, and the moment it is drawn (for the time left). */
export interface CaseCard {
  found: IdentityCase;
  profile: ReviewedProfile | null;
  now: number;
}

const t = createTranslations()(defaultLocale);
const plain = (text: string, limit = 75) => ({ type: 'plain_text' as const, text: cut(text, limit) });
const cut = (text: string, limit: number) => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);
export const mention = (reviewer: string | null) =>
  reviewer && /^[UW][A-Z0-9]{2,}$/.test(reviewer) ? `<@${reviewer}>` : (reviewer ?? '—');
/** Slack renders it in the reader's time zone; the fallback is UTC. */
const when = (date: Date | null) =>
  date
    ? `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${date.toISOString().slice(0, 16).replace('T', ' ')} UTC>`
    : '—';
const shortId = (found: IdentityCase) => found.id.slice(0, 8);
/**
 * What a customer typed (their name) inside mrkdwn: Slack's three control characters escaped, so a surname like
 * `<!channel>` or `<https://evil|click>` is shown as typed, never a mention or a link.
 */
const literal = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The reason as the customer will read it (in the insurer's first language). */
const customerReads = (reason: ReviewReason) => t(`identity.reason.${reason}`);

/** The line saying where the case stands and who moved it. */
function standing(found: IdentityCase, now: number): string {
  const reason = reviewReasons.find((r) => r === found.reason);
  const why = reason ? `${reasonNames[reason]} (клиент прочтёт: «${customerReads(reason)}»)` : '';
  switch (found.status) {
    case 'submitted':
      return `:hourglass_flowing_sand: *Ждёт проверяющего* · ответ обещан до ${when(found.answerBy)} (${timeLeft(found.answerBy, now)})`;
    case 'in_review':
      return `:mag: *Взял ${mention(found.reviewer)}* ${when(found.updatedAt)} · ответ обещан до ${when(found.answerBy)} (${timeLeft(found.answerBy, now)})`;
    case 'approved':
      return `:white_check_mark: *Подтверждена* — ${mention(found.reviewer)}, ${when(found.updatedAt)}`;
    case 'rejected':
      return `:x: *Отклонена* — ${mention(found.reviewer)}, ${when(found.updatedAt)}. ${why}`;
    case 'resubmission_requested':
      return `:leftwards_arrow_with_hook: *Запрошен снимок заново* (${found.requestedImage ? imageNames[found.requestedImage] : '—'}) — ${mention(found.reviewer)}, ${when(found.updatedAt)}. ${why}`;
    default:
      return statusNames[found.status];
  }
}

/** The case's message in the review channel, as it stands. */
export function caseMessage(card: CaseCard): { text: string; blocks: KnownBlock[] } {
  const { found, profile, now } = card;
  const value = JSON.stringify(refOf(found));
  const notes = identityImages
    .filter((image) => found.images[image]?.notes.includes('blurred'))
    .map((image) => `${imageNames[image]}: нечёткий, принят с третьей попытки`);
  const open = found.status === 'submitted' || found.status === 'in_review';
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Проверка личности · ${shortId(found)}`, 150) },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Клиент*\n${literal(cut(fullName(profile), 200))}` },
        {
          type: 'mrkdwn',
          text: `*Дата рождения*\n${profile?.birthDate?.split('-').reverse().join('.') ?? '—'}`,
        },
        { type: 'mrkdwn', text: `*Документ*\n${literal(cut(maskedDocument(profile), 200))}` },
        { type: 'mrkdwn', text: `*Канал*\n${channelNames[found.channel] ?? found.channel}` },
        { type: 'mrkdwn', text: `*Отправлена*\n${when(found.submittedAt)}` },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: notes.length > 0 ? `:warning: ${notes.join('; ')}` : 'Замечаний к качеству снимков нет.',
        },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: standing(found, now) } },
  ];
  if (open)
    blocks.push({
      type: 'actions',
      block_id: `case:${found.id}`,
      elements: [
        ...(found.status === 'submitted'
          ? [{ type: 'button' as const, action_id: actions.claim, text: plain('Взять себе'), value }]
          : []),
        { type: 'button', action_id: actions.images, text: plain('Снимки'), value },
        {
          type: 'button',
          action_id: actions.approve,
          text: plain('Подтвердить'),
          style: 'primary',
          value,
          confirm: {
            title: plain('Подтвердить личность?', 100),
            text: { type: 'mrkdwn', text: 'Клиент узнает сразу; полисы на этот паспорт станут ему видны.' },
            confirm: plain('Подтвердить', 30),
            deny: plain('Отмена', 30),
          },
        },
        { type: 'button', action_id: actions.reject, text: plain('Отклонить…'), style: 'danger', value },
        { type: 'button', action_id: actions.askAgain, text: plain('Попросить заново…'), value },
      ],
    });
  return {
    text: `Проверка личности ${shortId(found)}: ${statusNames[found.status]}`,
    blocks,
  };
}

/** A reply in the case's thread when it is still undecided near (or past) the promised answer. */
export function reminderText(found: IdentityCase, now: number, claimFor: number): string {
  // The claimer while their claim holds; once it has expired (or nobody took it), everyone.
  const held = found.status === 'in_review' && found.updatedAt.getTime() + claimFor > now;
  const who = held ? mention(found.reviewer) : '<!channel>';
  return `${who} заявка ${shortId(found)} ждёт решения: ответ клиенту обещан до ${when(found.answerBy)} (${timeLeft(found.answerBy, now)}).`;
}

const reasonOptions = reviewReasons.map((reason) => ({
  text: plain(reasonNames[reason]),
  value: reason,
  description: plain(`Клиент прочтёт: «${customerReads(reason)}»`),
}));

const commentBlock: KnownBlock = {
  type: 'input',
  block_id: 'comment',
  optional: true,
  label: plain('Комментарий для журнала', 2000),
  hint: plain('Клиент его не увидит.', 2000),
  element: { type: 'plain_text_input', action_id: 'comment', multiline: true, max_length: 500 },
};

/** "Reject…": the reason from the list (what the customer will read is shown beside each) and a comment. */
export function rejectModal(ref: ModalRef): ModalView {
  return {
    type: 'modal',
    callback_id: callbacks.reject,
    private_metadata: JSON.stringify(ref),
    title: plain('Отклонить заявку', 24),
    submit: plain('Отклонить', 24),
    close: plain('Отмена', 24),
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Причина', 2000),
        element: { type: 'radio_buttons', action_id: 'reason', options: reasonOptions },
      },
      commentBlock,
    ],
  };
}

/** "Ask again…": which one picture, and why (the customer is taken straight to it). */
export function askAgainModal(ref: ModalRef): ModalView {
  return {
    type: 'modal',
    callback_id: callbacks.askAgain,
    private_metadata: JSON.stringify(ref),
    title: plain('Попросить заново', 24),
    submit: plain('Попросить', 24),
    close: plain('Отмена', 24),
    blocks: [
      {
        type: 'input',
        block_id: 'image',
        label: plain('Какой снимок', 2000),
        element: {
          type: 'radio_buttons',
          action_id: 'image',
          options: identityImages.map((image) => ({ text: plain(imageNames[image]), value: image })),
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Причина', 2000),
        element: { type: 'radio_buttons', action_id: 'reason', options: reasonOptions },
      },
      commentBlock,
    ],
  };
}

/** At most this many cases per list on the Home tab (a view holds 100 blocks). */
export const HOME_LIST = 20;

/** The App Home tab: cases nobody has taken (oldest first), then this reviewer's own, with the time left. */
export function homeView(queue: {
  unclaimed: CaseCard[];
  mine: CaseCard[];
  reviewer: boolean;
  /** Signed links to each case's pictures, made for this reviewer when the tab was drawn. */
  links: Map<string, string>;
  /** A signed link to the funnel page, made for this reviewer too. */
  funnel?: string;
}): HomeView {
  if (!queue.reviewer)
    return {
      type: 'home',
      blocks: [
        { type: 'header', text: plain('Проверка личности', 150) },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'Вы не в списке проверяющих (SLACK_REVIEWERS): очередь вам не видна.',
          },
        },
      ],
    };
  const line = (card: CaseCard): KnownBlock => {
    const link = queue.links.get(card.found.id);
    return {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          `*${shortId(card.found)}* · ${literal(fullName(card.profile))} · ${channelNames[card.found.channel] ?? card.found.channel} · ${timeLeft(card.found.answerBy, card.now)}`,
          3000,
        ),
      },
      ...(link
        ? {
            accessory: {
              type: 'button' as const,
              text: plain('Снимки'),
              url: link,
              action_id: `home_images:${card.found.id}`,
            },
          }
        : {}),
    };
  };
  const list = (title: string, cards: CaseCard[], empty: string): KnownBlock[] => [
    { type: 'header', text: plain(title, 150) },
    ...(cards.length > 0
      ? cards.slice(0, HOME_LIST).map(line)
      : [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: empty }] }]),
    ...(cards.length > HOME_LIST
      ? [
          {
            type: 'context' as const,
            elements: [{ type: 'mrkdwn' as const, text: `…и ещё ${cards.length - HOME_LIST}` }],
          },
        ]
      : []),
  ];
  return {
    type: 'home',
    blocks: [
      ...list('Ждут проверяющего', queue.unclaimed, 'Очередь пуста.'),
      { type: 'divider' },
      ...list('Взяты вами', queue.mine, 'У вас нет взятых заявок.'),
      ...(queue.funnel
        ? [
            { type: 'divider' as const },
            {
              type: 'section' as const,
              text: { type: 'mrkdwn' as const, text: 'Где клиенты бросают регистрацию и другие сценарии.' },
              accessory: {
                type: 'button' as const,
                text: plain('Воронка'),
                url: queue.funnel,
                action_id: 'home_funnel',
              },
            },
          ]
        : []),
    ],
  };
}
