import { createActivation } from '../core/activation';
import { createCodeDelivery } from '../core/code-delivery';
import { createCodeService } from '../core/codes';
import { createContactMessages } from '../core/contact-messages';
import { createEngine, DEFAULT_IDLE_SECONDS, type Engine } from '../core/engine';
import { flowsFor, homeFlow } from '../core/flows';
import { createIdentity, type Identity } from '../core/identity';
import {
  createIdentityReview,
  defaultReviewTiming,
  followUpsOfSubmit,
  type IdentityReview,
  type ReviewTiming,
} from '../core/identity-review';
import type { Logger } from '../core/logger';
import { createNotices, type Notices } from '../core/notices';
import type { AccountRepository } from '../core/ports/accounts';
import type { Mailer, SmsSender } from '../core/ports/delivery';
import type { FileStore } from '../core/ports/file-store';
import type { FunnelRepository } from '../core/ports/funnel';
import type { IdentityCaseRepository } from '../core/ports/identity-cases';
import type { ImagePreparer } from '../core/ports/images';
import type { JobQueue } from '../core/ports/job-queue';
import type { Outlets } from '../core/ports/outlet';
import type { PasswordHasher } from '../core/ports/password-hasher';
import type { RateLimiter } from '../core/ports/rate-limiter';
import { pageDesk, type ReviewDesk } from '../core/ports/review-desk';
import type { Sealer } from '../core/ports/sealer';
import type { StateStore } from '../core/ports/state-store';
import { noTelemetry, type Telemetry } from '../core/ports/telemetry';
import type { TurnLock } from '../core/ports/turn-lock';
import type { InsurerPreset } from '../core/presets';
import { createReplyDelivery } from '../core/replies';
import { createRetention, type Retention } from '../core/retention';
import type { Services } from '../core/services';
import { createSessions } from '../core/sessions';
import { createSignIn } from '../core/sign-in';
import { createSignInLimits } from '../core/sign-in-limits';

/**
 * Sign-in tries an hour, whatever the contacts: per conversation, and per client (a web client's address, shared
 * by everyone behind one NAT, so looser). The per-contact lockout is core/sign-in-limits.ts.
 */
const SIGN_INS_PER_HOUR = { conversation: 20, client: 100 };

/** Everything the conversation needs from outside; the composition root, the tests and the benchmarks fill it. */
export interface RuntimeDeps {
  preset: InsurerPreset;
  store: StateStore;
  lock: TurnLock;
  /** The reply deliveries' lock: a ticket lock of its own, its lease DELIVERY_LEASE_MS (core/replies.ts). */
  deliveryLock: TurnLock;
  queue: JobQueue;
  outlets: Outlets;
  accounts: AccountRepository;
  /** Identity cases (records), the private files their images are kept in, and the upload pipeline. */
  identity: { cases: IdentityCaseRepository; files: FileStore; images: ImagePreparer };
  mailer: Mailer;
  sms: SmsSender;
  passwords: PasswordHasher;
  sealer: Sealer;
  /** A budget of `points` per `durationSeconds`, named so budgets never share counters. */
  limiter(name: string, points: number, durationSeconds: number): RateLimiter;
  /** Keys the one-time codes' HMAC (derived from DATA_KEY). */
  codeSecret: Uint8Array;
  /** Keys the activation links and temporary passwords (derived from DATA_KEY). */
  activationSecret: Uint8Array;
  /** Where links in e-mails point (PUBLIC_URL). */
  publicUrl: string;
  logger: Logger;
  /** Days a decided identity case keeps its pictures (core/retention.ts); 30 by default. */
  imageRetentionDays?: number;
  /** Told what happens, for operators' metrics (web/metrics.ts) and the funnel (core/funnel.ts); none by default. */
  telemetry?: Telemetry;
  /** The funnel's events, forgotten after FUNNEL_DAYS by the retention job; none by default. */
  funnel?: Pick<FunnelRepository, 'purgeBefore'>;
  /** Idle conversations start afresh after this. Seconds. */
  idleSeconds?: number;
  /** When staff are reminded of undecided cases, and how long a claim holds; tests shorten them. */
  reviewTiming?: ReviewTiming;
  /** Epoch milliseconds; tests pass a clock they move. */
  now?: () => number;
}

export interface Runtime {
  engine: Engine;
  services: Services;
  notices: Notices;
  /** The customer's side of identity cases (the web chat serves previews through it). */
  identity: Identity;
  /** Staff's side of identity cases: the queue and decisions (the local review page, Slack). */
  review: IdentityReview;
  /** What is kept no longer than needed: identity pictures after their retention period (hourly). */
  retention: Retention;
  /**
   * Starts this process's share of the queued work: replies, codes, notices, messages to contacts, the review
   * desk's posts and reminders (`desk`: Slack; by default the local page, which needs telling nothing), retention.
   */
  startWorkers(desk?: ReviewDesk): Promise<void>;
}

/** One wiring of services, engine and queues, the same in the service, its tests and its benchmarks. */
export function createRuntime(deps: RuntimeDeps): Runtime {
  const { preset, store, queue, logger } = deps;
  const telemetry = deps.telemetry ?? noTelemetry;
  const codes = createCodeService({
    store,
    limiter: deps.limiter('codes', preset.codes.sendsPerHour, 3600),
    requesterLimiter: deps.limiter('codes-by-conversation', preset.codes.sendsPerConversationPerHour, 3600),
    clientLimiter: deps.limiter('codes-by-client', preset.codes.sendsPerClientPerHour, 3600),
    secret: deps.codeSecret,
    policy: preset.codes,
    now: deps.now,
  });
  const notices = createNotices(queue);
  const contactMessages = createContactMessages({ queue, mailer: deps.mailer, sms: deps.sms, logger });
  const activation = createActivation({
    secret: deps.activationSecret,
    queue,
    accounts: deps.accounts,
    passwords: deps.passwords,
    mailer: deps.mailer,
    sms: deps.sms,
    preset,
    publicUrl: deps.publicUrl,
    logger,
    now: deps.now,
  });
  const codeDelivery = createCodeDelivery({
    queue,
    codes,
    accounts: deps.accounts,
    mailer: deps.mailer,
    sms: deps.sms,
    notices,
    preset,
    logger,
    telemetry,
  });
  const replies = createReplyDelivery({
    outlets: deps.outlets,
    queue,
    lock: deps.deliveryLock,
    store,
    logger,
    onGivenUp: (batch, reason) => {
      telemetry.record({ type: 'delivery_given_up', channel: batch.channel });
      logger.warn('replies given up', {
        conversationId: batch.conversationId,
        batch: batch.batch,
        messages: batch.out.length,
        reason,
      });
    },
  });
  const sessions = createSessions(deps.accounts, deps.idleSeconds ?? DEFAULT_IDLE_SECONDS);
  const signIn = createSignIn({
    records: deps.accounts,
    passwords: deps.passwords,
    limits: createSignInLimits({
      store,
      perConversation: deps.limiter('signin-by-conversation', SIGN_INS_PER_HOUR.conversation, 3600),
      perClient: deps.limiter('signin-by-client', SIGN_INS_PER_HOUR.client, 3600),
      now: deps.now,
    }),
    telemetry,
  });
  const reviewTiming = deps.reviewTiming ?? defaultReviewTiming;
  const identity = createIdentity({
    ...deps.identity,
    accounts: deps.accounts,
    preset,
    onSubmit: followUpsOfSubmit(reviewTiming),
    now: deps.now,
  });
  const review = createIdentityReview({
    cases: deps.identity.cases,
    accounts: deps.accounts,
    files: deps.identity.files,
    queue,
    timing: reviewTiming,
    logger,
  });
  const retention = createRetention({
    cases: deps.identity.cases,
    sessions: deps.accounts,
    activation: deps.accounts,
    files: deps.identity.files,
    queue,
    imageDays: deps.imageRetentionDays ?? 30,
    funnel: deps.funnel,
    logger,
    now: deps.now,
  });
  const services: Services = {
    accounts: deps.accounts,
    codes,
    codeDelivery,
    notices,
    contactMessages,
    activation,
    passwords: deps.passwords,
    sealer: deps.sealer,
    signIn,
    sessions,
    identity,
  };
  const engine = createEngine({
    flows: flowsFor(preset),
    home: homeFlow,
    store,
    lock: deps.lock,
    replies,
    services,
    sessions,
    preset,
    idleSeconds: deps.idleSeconds,
    now: deps.now,
    logger,
    telemetry,
  });
  return {
    engine,
    retention,
    services,
    notices,
    identity,
    review,
    async startWorkers(desk = pageDesk) {
      await Promise.all([
        replies.work(),
        codeDelivery.work(),
        contactMessages.work(),
        activation.work(),
        notices.work(engine),
        review.work(desk),
        retention.work(),
      ]);
    },
  };
}
