import { formatPhone } from '../contacts';
import { column, defineFlow, flowMoves, type Prompt, type StepContext, same, say, tell } from '../flow';
import type { MessageKey } from '../i18n';
import { acceptsImages } from '../identity';
import type { DataRequestKind, PolicySummary } from '../ports/accounts';
import type { IdentityCase } from '../ports/identity-cases';
import type { SessionRecord } from '../ports/sessions';
import type { Services } from '../services';
import { answerBy, reasonOf } from './identity';

type AccountContext = StepContext<Services, Record<string, never>>;
type AccountStep = 'overview' | 'my_data' | 'erase_confirm';

const { goTo, backTo } = flowMoves<Record<string, never>, AccountStep>();

/**
 * "My account": what the customer has, and where they are signed in. Policies stay hidden until the profile is
 * complete (seed 000, step 5).
 */
export const accountFlow = defineFlow<Services, Record<string, never>, AccountStep>({
  name: 'account',
  first: 'overview',
  steps: {
    overview: {
      ask: overview,
      async handle(answer, { account, session, channel, services }) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'profile') return { to: 'flow', flow: 'profile' };
        if (answer.value === 'identity') return { to: 'flow', flow: 'identity' };
        if (answer.value === 'menu') return { to: 'done', say: [] };
        if (answer.value === 'sign_out') return { to: 'command', name: 'logout' };
        if (answer.value === 'my_data') return goTo('my_data');
        if (answer.value === 'end_others' && account && session) {
          const count = await services.sessions.endOthers({ account, session }, channel);
          return tell('account.sessions.ended_others', { count });
        }
        return same('error.choose_option');
      },
    },

    // "My data" (152-FZ arts. 14 and 21): a copy of what is held, or its erasure, asked here and fulfilled by
    // operators (README: "Customer data requests"), who answer by e-mail.
    my_data: {
      ask: ({ t }) => ({
        text: t('data.ask'),
        options: column(t, [
          ['export', 'data.export'],
          ['erase', 'data.erase'],
          ['back', 'data.back'],
        ]),
      }),
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'export') return requestData('export', ctx);
        if (answer.value === 'erase') return goTo('erase_confirm');
        if (answer.value === 'back') return backTo('overview');
        return same('error.choose_option');
      },
    },

    erase_confirm: {
      ask: ({ t }) => ({
        text: t('data.erase.confirm'),
        options: column(t, [
          ['erase', 'data.erase.yes'],
          ['keep', 'data.erase.no'],
        ]),
      }),
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'erase') return requestData('erase', ctx);
        if (answer.value === 'keep') return backTo('overview');
        return same('error.choose_option');
      },
    },
  },
});

/** Records the request (once for this message, joined to an open one of its kind) and says when it was made. */
async function requestData(kind: DataRequestKind, ctx: AccountContext) {
  const { account, services, channel, event, t, locale, preset } = ctx;
  if (!account) return backTo('overview');
  const [request, found] = await Promise.all([
    services.accounts.requestData({
      accountId: account,
      kind,
      actor: `customer:${channel}`,
      requestId: event,
    }),
    services.accounts.overview(account),
  ]);
  const since = new Intl.DateTimeFormat(locale, {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: preset.timeZone,
  }).format(request.since);
  const email = found?.account.email ?? '';
  const text = request.fresh
    ? t(kind === 'export' ? 'data.requested.export' : 'data.requested.erase', { email })
    : t('data.requested.already', { since, email });
  return backTo('overview', undefined, [say(text)]);
}

async function overview(ctx: AccountContext): Promise<Prompt> {
  const { t, account, services } = ctx;
  const [found, sessions, policies, identity] = account
    ? await Promise.all([
        services.accounts.overview(account),
        services.sessions.list(account, ctx.now),
        services.accounts.policiesOf(account),
        services.identity.current(account),
      ])
    : [null, [], [], null];
  if (!found) return { text: t('account.not_registered'), options: column(t, [['menu', 'account.menu']]) };
  const text = t('account.overview', {
    email: found.account.email,
    phone: formatPhone(found.account.phone),
    profile: t(found.profileComplete ? 'account.profile.complete' : 'account.profile.incomplete'),
    identity: describeIdentity(identity, ctx),
    policies: found.profileComplete
      ? describePolicies(policies, identity?.status === 'approved', ctx)
      : t('account.policies.hidden'),
  });
  // Seed 000: while identity is not confirmed, "My policies" offers "Complete the application".
  const offersIdentity =
    found.profileComplete && (!identity || acceptsImages(identity) || identity.status === 'rejected');
  const items: [string, MessageKey][] = [
    ...(found.profileComplete ? [] : [['profile', 'account.complete_profile'] as [string, MessageKey]]),
    ...(offersIdentity ? [['identity', 'account.complete_application'] as [string, MessageKey]] : []),
    ...(sessions.length > 1 ? [['end_others', 'account.sessions.end_others'] as [string, MessageKey]] : []),
    ['my_data', 'account.my_data'],
    ['sign_out', 'menu.sign_out'],
    ['menu', 'account.menu'],
  ];
  return { text: `${text}\n\n${describeSessions(sessions, ctx)}`, options: column(t, items) };
}

/** "Signed in: Telegram (this chat), since 23.11.2026, 10:00, active 10:05", one line per session. */
function describeSessions(sessions: SessionRecord[], { t, locale, session, preset }: AccountContext): string {
  const when = new Intl.DateTimeFormat(locale, {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: preset.timeZone,
  });
  const lines = sessions.map((s) =>
    t(s.id === session ? 'account.sessions.this' : 'account.sessions.other', {
      channel: t(`channel.${s.channel}`),
      since: when.format(s.startedAt),
      active: when.format(s.lastActiveAt),
    }),
  );
  return [t('account.sessions.title'), ...lines].join('\n');
}

/** Where the identity confirmation stands, in one line. */
function describeIdentity(found: IdentityCase | null, { t, locale, preset }: AccountContext): string {
  switch (found?.status) {
    case 'approved':
      return t('account.identity.confirmed');
    case 'submitted':
    case 'in_review':
      return t('account.identity.under_review', { by: answerBy(found, { locale, preset }) });
    case 'rejected':
      return t('account.identity.rejected', {
        reason: reasonOf(found, t),
      });
    case 'resubmission_requested':
      return t('account.identity.asked_again', {
        image: t(`identity.image.${found.requestedImage ?? 'main_page'}`),
      });
    case 'draft':
      return t('account.identity.draft');
    default:
      return t('account.identity.unconfirmed');
  }
}

/**
 * The policies a complete profile shows: those matched by contact, and once the identity is confirmed those
 * matched by the identity document too (seed 000: confirming identity links the policies bought earlier).
 */
function describePolicies(
  policies: PolicySummary[],
  identityConfirmed: boolean,
  { t, now }: AccountContext,
): string {
  const today = new Date(now).toISOString().slice(0, 10);
  // Policies matched by the document wait for the identity to be confirmed, unmentioned till then.
  const shown = policies.filter((p) => p.matchedBy === 'contact' || identityConfirmed);
  if (shown.length === 0) return t('account.policies.none');
  const date = (iso: string) => iso.split('-').reverse().join('.');
  const lines = shown.map((p) =>
    t('account.policy', {
      number: p.number,
      product: p.product,
      from: date(p.startsOn),
      to: date(p.endsOn),
      status: t(
        p.endsOn < today
          ? 'account.policy.ended'
          : p.startsOn > today
            ? 'account.policy.upcoming'
            : 'account.policy.active',
      ),
    }),
  );
  return lines.join('');
}
