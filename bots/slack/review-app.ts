import { App, type BlockAction, type ButtonAction, LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import {
  type IdentityReview,
  type ReviewDecision,
  type ReviewError,
  reviewReasons,
} from '../../core/identity-review';
import { describeError, type Logger } from '../../core/logger';
import type { AccountRepository } from '../../core/ports/accounts';
import type { FileStore } from '../../core/ports/file-store';
import {
  type IdentityCase,
  type IdentityCaseRepository,
  identityImages,
} from '../../core/ports/identity-cases';
import type { ReviewDesk } from '../../core/ports/review-desk';
import type { StaffLinks } from '../../core/staff-links';
import { imageNames, statusNames } from '../../core/staff-words';
import { HonoReceiver } from './receiver';
import {
  actions,
  askAgainModal,
  type CaseRef,
  callbacks,
  caseMessage,
  HOME_LIST,
  homeView,
  mention,
  rejectModal,
  reminderText,
} from './views';

export interface SlackReviewOptions {
  token: string;
  signingSecret: string;
  /** The channel new cases are posted to (an id, or a name the bot is in). */
  channel: string;
  /** Slack user ids allowed to claim and decide. */
  reviewers: string[];
  /** Slack's Web API (SLACK_API_URL); tests point it at a fake on loopback. */
  apiUrl: string;
  /** Upload the three previews into the case's thread (files.uploadV2); off: pictures stay in our storage. */
  uploadPreviews: boolean;
  review: IdentityReview;
  cases: IdentityCaseRepository;
  accounts: Pick<AccountRepository, 'profileForReview'>;
  files: FileStore;
  links: StaffLinks;
  logger: Logger;
  now?: () => number;
}

const caseRef = z.object({ caseId: z.string().max(64), submittedAt: z.number().int() });
const modalRef = caseRef.extend({ channel: z.string().max(64).nullable() });
const readJson = <T>(schema: z.ZodType<T>, text: string | undefined): T | null => {
  try {
    const parsed = schema.safeParse(JSON.parse(text ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

/**
 * Staff review in Slack through Bolt: a case posted to the review channel with its buttons; claim, approve,
 * reject and ask again by reviewers only (anyone else is refused, and it is audited); decisions through the same
 * review service as the local page (compare-and-set, the customer told through the notice queue). `desk` is
 * what the durable 'desk' queue calls to post, update and remind; `routes` is `POST /slack/events`.
 */
export function createSlackReview(options: SlackReviewOptions) {
  const { review, cases, logger } = options;
  const now = options.now ?? Date.now;
  const reviewers = new Set(options.reviewers);
  const receiver = new HonoReceiver({ signingSecret: options.signingSecret, logger, now });
  // Our own calls are bounded: a Slack call never outlives the desk job that makes it (pg-boss would run the job
  // again elsewhere meanwhile), and a 429 fails the job, which is retried after its own delay, rather than sleep.
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 1 },
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
    logLevel: LogLevel.WARN,
  });
  const app = new App({
    receiver,
    // The token as it is: Bolt's own single-token authorize calls auth.test before every listener (Bolt 5.1
    // caches nothing with verification off), doubling each click's Slack calls and letting a slow auth.test
    // outlast the 3 s acknowledgement. Listeners use `client` above, never the one Bolt would build.
    authorize: async () => ({ botToken: options.token }),
    ignoreSelf: false,
    logger: boltLogger(logger),
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 } },
  });
  app.error(async (error) => {
    logger.error('slack listener failed', { error: describeError(error) });
  });

  const card = async (found: IdentityCase) => ({
    found,
    profile: await options.accounts.profileForReview(found.accountId),
    now: now(),
  });

  /** Tells one person something only they see: in the channel they clicked in, else in a direct message. */
  const tell = async (user: string, channel: string | null, text: string) => {
    if (channel) await client.chat.postEphemeral({ channel, user, text });
    else await client.chat.postMessage({ channel: user, text });
  };

  /** Refuses someone not in SLACK_REVIEWERS, and writes down that they tried. */
  const refuse = async (user: string, channel: string | null, caseId: string, attempted: string) => {
    logger.warn('slack action refused: not a reviewer', { user, attempted });
    await cases.recordAtDesk(caseId, `slack:${user}`, 'identity.refused', { attempted });
    await tell(
      user,
      channel,
      'Решать заявки могут только проверяющие (SLACK_REVIEWERS). Попытка записана в журнал.',
    );
  };

  /** Why a reviewer's click changed nothing, read from the case as it now stands (who was first, and when). */
  const explain = async (ref: CaseRef, error: ReviewError): Promise<string> => {
    const found = await cases.caseById(ref.caseId);
    if (!found || error === 'not_found') return 'Такой заявки нет.';
    if (found.submittedAt?.getTime() !== ref.submittedAt)
      return 'Клиент уже отправил заявку заново — смотрите новое сообщение в канале.';
    if (error === 'profile_changed')
      return 'Документ в профиле изменился после отправки заявки: подтвердить нельзя — отклоните или попросите снимок заново.';
    if (found.status === 'in_review') {
      const until = new Date(found.updatedAt.getTime() + review.timing.claimFor);
      return `Заявку взял ${mention(found.reviewer)}: решать может он (или любой проверяющий после ${until.toISOString().slice(11, 16)} UTC, когда взятие истечёт).`;
    }
    return `Раньше вас успел ${mention(found.reviewer)}: заявка ${statusNames[found.status]}.`;
  };

  /** A decision by `user` on the case as it now stands (still the submission the button was shown for). */
  const decide = async (user: string, channel: string | null, ref: CaseRef, decision: ReviewDecision) => {
    const found = await cases.caseById(ref.caseId);
    if (!found || found.submittedAt?.getTime() !== ref.submittedAt) {
      await tell(user, channel, await explain(ref, 'conflict'));
      return;
    }
    const decided = await review.decide(
      found.id,
      { status: found.status, at: found.updatedAt },
      decision,
      user,
      { claims: true },
    );
    if (!decided.ok) await tell(user, channel, await explain(ref, decided.error));
  };

  /** A button's case, once the clicker is known to be a reviewer; null (and answered) otherwise. */
  const buttonCase = async (body: BlockAction, action: ButtonAction): Promise<CaseRef | null> => {
    const ref = readJson(caseRef, action.value);
    const channel = body.channel?.id ?? null;
    if (!reviewers.has(body.user.id)) {
      await refuse(body.user.id, channel, ref?.caseId ?? 'unknown', action.action_id);
      return null;
    }
    return ref;
  };

  app.action<BlockAction<ButtonAction>>(actions.claim, async ({ ack, body, action }) => {
    await ack();
    const ref = await buttonCase(body, action);
    if (!ref) return;
    const claimed = await review.claim(ref.caseId, body.user.id);
    if (!claimed.ok) await tell(body.user.id, body.channel?.id ?? null, await explain(ref, claimed.error));
  });

  app.action<BlockAction<ButtonAction>>(actions.approve, async ({ ack, body, action }) => {
    await ack();
    const ref = await buttonCase(body, action);
    if (ref) await decide(body.user.id, body.channel?.id ?? null, ref, { type: 'approve' });
  });

  for (const [id, modal] of [
    [actions.reject, rejectModal],
    [actions.askAgain, askAgainModal],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(id, async ({ ack, body, action }) => {
      await ack();
      const ref = await buttonCase(body, action);
      if (!ref) return;
      await client.views.open({
        trigger_id: body.trigger_id,
        view: modal({ ...ref, channel: body.channel?.id ?? null }),
      });
    });
  }

  app.action<BlockAction<ButtonAction>>(actions.images, async ({ ack, body, action }) => {
    await ack();
    const ref = await buttonCase(body, action);
    if (!ref) return;
    const link = await options.links.make(ref.caseId, body.user.id);
    await tell(
      body.user.id,
      body.channel?.id ?? null,
      `Снимки заявки ${ref.caseId.slice(0, 8)}: <${link}|открыть>. Ссылка сделана для вас и действует 15 минут; не пересылайте её — каждое открытие записывается.`,
    );
  });
  // The Home tab's picture buttons are links; Slack still reports the click, which needs only an answer.
  app.action(/^home_(images:|funnel$)/, async ({ ack }) => {
    await ack();
  });

  for (const callback of [callbacks.reject, callbacks.askAgain]) {
    app.view(callback, async ({ ack, body, view }) => {
      const ref = readJson(modalRef, view.private_metadata);
      const values = view.state.values;
      const reason = reviewReasons.find((r) => r === values.reason?.reason?.selected_option?.value);
      const image = identityImages.find((i) => i === values.image?.image?.selected_option?.value);
      if (!reason || (callback === callbacks.askAgain && !image)) {
        await ack({
          response_action: 'errors',
          errors: {
            ...(reason ? {} : { reason: 'Выберите причину: её прочтёт клиент.' }),
            ...(callback === callbacks.askAgain && !image ? { image: 'Выберите снимок.' } : {}),
          },
        });
        return;
      }
      await ack();
      const user = body.user.id;
      if (!ref) return;
      if (!reviewers.has(user)) return refuse(user, ref.channel, ref.caseId, callback);
      const comment = values.comment?.comment?.value?.trim() || undefined;
      await decide(
        user,
        ref.channel,
        ref,
        callback === callbacks.reject
          ? { type: 'reject', reason, comment }
          : { type: 'ask_again', reason, image: image ?? 'main_page', comment },
      );
    });
  }

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: await home(event.user) });
  });

  /** The reviewer's queue: unclaimed oldest first, then their own claims, each with a fresh picture link. */
  async function home(user: string) {
    if (!reviewers.has(user)) return homeView({ unclaimed: [], mine: [], reviewer: false, links: new Map() });
    // Each list read on its own: a long unclaimed queue never pushes the reviewer's own cases off the tab.
    const [unclaimed, inReview] = await Promise.all([
      cases.casesIn('submitted', 500),
      cases.casesIn('in_review', 500),
    ]);
    const mine = inReview.filter((c) => c.reviewer === user);
    const links = new Map<string, string>();
    /** Only the cards the tab shows are drawn (a profile read, a link made); the rest are counted. */
    const cards = (list: IdentityCase[]) =>
      Promise.all(
        list.map(async (found, i) => {
          if (i >= HOME_LIST) return { found, profile: null, now: now() };
          links.set(found.id, await options.links.make(found.id, user));
          return card(found);
        }),
      );
    const funnel = await options.links.funnel(user);
    return homeView({
      unclaimed: await cards(unclaimed),
      mine: await cards(mine),
      reviewer: true,
      links,
      funnel,
    });
  }

  const deskRef = (found: IdentityCase) => {
    const [channel, ts] = (found.deskRef ?? '').split('/');
    return channel && ts ? { channel, ts } : null;
  };

  /** Opt-in: the three previews in the case's thread (passport data then sits in Slack too). Best effort. */
  async function uploadPreviews(found: IdentityCase, channel: string, ts: string) {
    for (const image of identityImages) {
      const held = found.images[image];
      const file = held ? await options.files.get(held.previewId) : null;
      if (!file) continue;
      await client.files.uploadV2({
        channel_id: channel,
        thread_ts: ts,
        file: Buffer.from(file.bytes),
        filename: `${found.id.slice(0, 8)}-${image}.jpg`,
        title: imageNames[image],
      });
    }
  }

  /**
   * Posts the case and notes where; null when another job noted a post of this submission first (then ours is
   * deleted: one message per submission, whatever ran twice).
   */
  async function post(found: IdentityCase): Promise<{ channel: string; ts: string } | null> {
    const sent = await client.chat.postMessage({
      channel: options.channel,
      ...caseMessage(await card(found)),
    });
    if (!sent.channel || !sent.ts) throw new Error('chat.postMessage answered without channel and ts');
    const posted = { channel: sent.channel, ts: sent.ts };
    if (
      found.submittedAt &&
      !(await cases.noteDeskRef(found.id, found.submittedAt, `${posted.channel}/${posted.ts}`))
    ) {
      await client.chat.delete({ channel: posted.channel, ts: posted.ts });
      return null;
    }
    if (options.uploadPreviews)
      await uploadPreviews(found, posted.channel, posted.ts).catch((error) =>
        logger.warn('slack previews not uploaded', { caseId: found.id, error: describeError(error) }),
      );
    return posted;
  }

  /**
   * Updates the post until it shows the case as it stands: two jobs updating at once may land in either order,
   * so each reads the case again after its update and draws it once more if it moved meanwhile.
   */
  async function update(found: IdentityCase, posted: { channel: string; ts: string }) {
    let drawn = found;
    for (let round = 0; round < 3; round++) {
      await client.chat.update({ channel: posted.channel, ts: posted.ts, ...caseMessage(await card(drawn)) });
      const now = await cases.caseById(found.id);
      if (!now || now.updatedAt.getTime() === drawn.updatedAt.getTime() || now.deskRef !== drawn.deskRef)
        return;
      drawn = now;
    }
  }

  const desk: ReviewDesk = {
    async show(found, mayPost) {
      const posted = deskRef(found);
      if (posted) return update(found, posted);
      if (!mayPost) {
        // The post itself is still queued (or being retried): this update waits for it, by failing for now.
        if (found.status === 'submitted' || found.status === 'in_review')
          throw new Error(`case ${found.id} is not posted to Slack yet`);
        return;
      }
      if (!(await post(found))) {
        const now = await cases.caseById(found.id);
        const other = now && deskRef(now);
        if (other) await update(now, other);
      }
    },

    async remind(found) {
      // In the case's thread, so it comes with the case's buttons. Not posted yet: its post is queued or being
      // retried (a long outage restarts the post's tries), and the reminder waits for it the same way.
      const posted = deskRef(found);
      if (!posted) throw new Error(`case ${found.id} is not posted to Slack yet`);
      const text = reminderText(found, now(), review.timing.claimFor);
      // Shown in the channel too: a reminder nobody sees reminds nobody.
      await client.chat.postMessage({
        channel: posted.channel,
        thread_ts: posted.ts,
        reply_broadcast: true,
        text,
      });
    },
  };

  /** Logs whether the token works, once at start; Slack being away stops nothing (cases wait in the queue). */
  async function check() {
    try {
      const who = await client.auth.test();
      logger.info('slack review ready', { team: who.team, bot: who.user, channel: options.channel });
    } catch (error) {
      logger.error('slack token check failed: cases will wait until Slack answers', {
        error: describeError(error),
      });
    }
  }

  return { routes: receiver.routes(), desk, check };
}

export type SlackReview = ReturnType<typeof createSlackReview>;

/** Bolt's warnings and errors into our log; its chatter dropped. */
function boltLogger(logger: Logger): SlackLogger {
  let level = LogLevel.WARN;
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : describeError(p))).join(' ');
  return {
    debug: () => {},
    info: () => {},
    warn: (...parts) => logger.warn('slack', { detail: text(parts) }),
    error: (...parts) => logger.error('slack', { detail: text(parts) }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
