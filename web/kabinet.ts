import { join } from 'node:path';
import type { Bot } from 'grammy';
import type { Hono } from 'hono';
import { createSlackReview, type SlackReviewOptions } from '../bots/slack/review-app';
import { createTelegramBot, registerCommands } from '../bots/telegram/bot';
import { createTelegramRoutes } from '../bots/telegram/webhook-routes';
import type { Engine } from '../core/engine';
import { createFunnelRecorder } from '../core/funnel';
import type { IdentityReview, ReviewTiming } from '../core/identity-review';
import { describeError, type Logger, silentLogger } from '../core/logger';
import type { Notices } from '../core/notices';
import type { AccountRepository } from '../core/ports/accounts';
import type { FunnelRepository } from '../core/ports/funnel';
import type { IdentityCaseRepository } from '../core/ports/identity-cases';
import type { JobQueue, QueueName, QueueSettings } from '../core/ports/job-queue';
import type { Outlet } from '../core/ports/outlet';
import type { StateStore } from '../core/ports/state-store';
import { allOf } from '../core/ports/telemetry';
import { presets } from '../core/presets';
import { DELIVERY_LEASE_MS } from '../core/replies';
import type { Services } from '../core/services';
import { createStaffLinks } from '../core/staff-links';
import { createAccountRepository } from '../db/account-repository';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createDirectoryFileStore } from '../db/files/directory-file-store';
import { createFunnelRepository } from '../db/funnel-repository';
import { createIdentityCaseRepository } from '../db/identity-case-repository';
import { transactionalJobWriter } from '../db/jobs/job-writer';
import { createPgBossQueue } from '../db/jobs/pg-boss-queue';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRateLimiter } from '../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createRedisTicketStore } from '../db/state/redis-ticket-store';
import { createMemoryTicketStore, createTicketLock } from '../db/state/ticket-lock';
import { createActivationRoutes } from './activation-routes';
import { createApp } from './app';
import { createChatInbox, createWebOutlet } from './chat/inbox';
import { chatLimits } from './chat/limits';
import { clientAddress } from './client-address';
import type { Config } from './config';
import { resolveDataKey } from './data-key';
import { deferredPort } from './deferred-port';
import { createDelivery } from './delivery';
import { deriveSecret, sharedSecrets } from './derived-secrets';
import { vouchedClient } from './forwarded-client';
import { createFunnelRoutes } from './funnel-routes';
import { createSharpPreparer } from './images/sharp-preparer';
import { createMetrics, createMetricsRoutes } from './metrics';
import { createOutboxRoutes } from './outbox-routes';
import { createWorkerPasswordHasher } from './password-hasher';
import { withLogContext } from './pino-logger';
import { createReviewRoutes } from './review-routes';
import { createRuntime } from './runtime';
import { createStaffRoutes } from './staff-routes';

/** Idle conversations (and their web chat history) expire after this. Seconds. */
export const IDLE_SECONDS = 24 * 60 * 60;

export interface Kabinet {
  app: Hono;
  engine: Engine;
  services: Services;
  notices: Notices;
  store: StateStore;
  /** Which implementation backs each port, for the start-up banner. */
  backends: {
    records: 'postgres' | 'pglite';
    state: 'redis' | 'memory';
    mail: 'smtp' | 'outbox';
    sms: 'gateway' | 'outbox';
    telegram: 'webhook' | 'polling' | 'off';
  };
  /** The Telegram bot, when TELEGRAM_BOT_TOKEN is set. */
  telegram: Bot | null;
  /** Staff's side of identity cases: the queue and decisions, whichever desk shows them. */
  review: IdentityReview;
  /** The local review page's path (its secret included) while Slack is not configured, else null. */
  reviewPath: string | null;
  /** Resolves once no queued work (replies, codes, notices) is left, or rejects after `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
  /**
   * Starts what runs beside HTTP: this process's share of the queued work, Telegram long polling (without a
   * webhook secret) and its command menu.
   */
  startBackground(): void;
  /** Resolves when records and the job queue are open; rejects when they cannot be (the service should stop). */
  ready: Promise<void>;
  /** Answers held requests (pages waiting for updates) now, so a stopping server has nothing left to wait for. */
  drain(): void;
  /** Stops taking updates and jobs, lets running ones finish (up to `graceMs`), and closes connections. */
  close(graceMs?: number): Promise<void>;
}

/** The composition root: config in, a running service out. No module keeps a singleton. */
export interface KabinetOptions {
  logger?: Logger;
  /** Retries of the job queues; tests shorten them. */
  queueSettings?: Record<QueueName, QueueSettings>;
  /** Prefix of every Redis key (default `kabinet:`): tests sharing one Redis keep their budgets apart. */
  redisKeyPrefix?: string;
  /** When staff are reminded of undecided cases and how long a claim holds; tests shorten them. */
  reviewTiming?: ReviewTiming;
}

export async function createKabinet(config: Config, options: KabinetOptions = {}): Promise<Kabinet> {
  const logger = options.logger ?? silentLogger;
  // RESET_MODE=chosen is open to every preset (README: "Password reset").
  const preset = {
    ...presets[config.INSURER],
    resetMode: config.RESET_MODE ?? presets[config.INSURER].resetMode,
  };
  const dataKey = await resolveDataKey(config);
  const secrets = sharedSecrets(dataKey);
  const forwardKey = deriveSecret(dataKey, 'worker-forward');
  const delivery = createDelivery(config, logger); // checked before anything opens

  // Records and the job queue open in the background so the web chat answers at once; what needs them waits.
  const cipher = createFieldCipher(dataKey);
  const opening = openDatabase({ url: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') });
  opening.then(
    ({ emails }) => {
      if (emails.rewritten > 0 || emails.unreadable > 0 || emails.failed > 0)
        logger.warn('e-mails stored before strict reading were re-read (collisions are in the audit log)', {
          ...emails,
        });
    },
    () => {},
  );
  const accounts = deferredPort<AccountRepository>(opening.then((db) => createAccountRepository(db, cipher)));
  // PGlite answers on this very thread: an embedded run (one instance, whose own sends wake its workers at once)
  // looks for jobs from elsewhere, and for retries coming due, rarely and with one worker per queue.
  const embedded = !config.DATABASE_URL;
  const queueOpening = opening.then((db) =>
    createPgBossQueue({
      connection: db.jobs,
      logger,
      sealer: cipher,
      settings: options.queueSettings,
      pollingIntervalSeconds: embedded ? 2 : 1,
      workersPerQueue: embedded ? 1 : 2,
    }),
  );
  const queue = loggedInContext(deferredPort<JobQueue>(queueOpening));
  // A case's changes queue their notices in their own transaction: the cases need the queue open.
  const identityCases = deferredPort<IdentityCaseRepository>(
    Promise.all([opening, queueOpening]).then(([db, q]) =>
      createIdentityCaseRepository(db.db, transactionalJobWriter(q)),
    ),
  );
  // Jobs a Worker queued are run at once, not at the next poll: its replies would otherwise wait up to a second.
  Promise.all([opening, queueOpening]).then(
    ([db, q]) =>
      db.onJobsQueuedElsewhere(q.wake).catch((error) =>
        logger.warn('not listening for jobs queued elsewhere; they run at the next poll', {
          error: describeError(error),
        }),
      ),
    () => {},
  );
  let recordsOpen = false;
  queueOpening.then(
    () => (recordsOpen = true),
    () => {},
  );
  const records = config.DATABASE_URL ? 'postgres' : 'pglite';

  const redis = config.REDIS_URL ? createRedisClient(config.REDIS_URL, options.redisKeyPrefix) : undefined;
  const store = redis ? createRedisStateStore(redis) : createMemoryStateStore();
  const tickets = redis ? createRedisTicketStore(redis) : createMemoryTicketStore();
  const lock = createTicketLock(tickets);
  const deliveryLock = createTicketLock(tickets, { leaseMs: DELIVERY_LEASE_MS });
  const limiter = (name: string, points: number, durationSeconds: number) =>
    createRateLimiter({ name, points, durationSeconds, redis });

  const telegramBot = config.TELEGRAM_BOT_TOKEN
    ? createTelegramBot({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, logger })
    : null;
  const telegram = telegramBot?.bot ?? null;
  const inbox = createChatInbox(store, IDLE_SECONDS);
  // Identity pictures. Every instance must see the same directory (one volume) until an object store is added.
  const files = createDirectoryFileStore(join(config.DATA_DIR, 'uploads'), dataKey);
  const passwords = createWorkerPasswordHasher();

  // Counted only where someone can read them (METRICS_TOKEN).
  const metrics = config.METRICS_TOKEN
    ? createMetrics({ jobsWaiting: () => queue.pending(), identityCases: () => identityCases.census() })
    : null;
  // Where conversations go, for the funnel page: written to the records in batches, flushed when stopping.
  const funnel = deferredPort<FunnelRepository>(opening.then((db) => createFunnelRepository(db.db)));
  const funnelRecorder = createFunnelRecorder({
    repository: funnel,
    preset: config.INSURER,
    lifeKey: deriveSecret(dataKey, 'funnel-life'),
    logger,
  });
  const runtime = createRuntime({
    telemetry: allOf(metrics?.telemetry, funnelRecorder.telemetry),
    funnel,
    preset,
    store,
    lock,
    deliveryLock,
    queue,
    outlets: { web: createWebOutlet(inbox), tg: telegramBot?.outlet ?? unreachable('tg') },
    accounts,
    identity: { cases: identityCases, files, images: createSharpPreparer() },
    mailer: delivery.mailer,
    sms: delivery.sms,
    passwords,
    sealer: cipher,
    limiter,
    codeSecret: secrets.codeSecret,
    activationSecret: secrets.activationSecret,
    publicUrl: config.PUBLIC_URL,
    logger,
    idleSeconds: IDLE_SECONDS,
    reviewTiming: options.reviewTiming,
    imageRetentionDays: config.IDENTITY_IMAGE_RETENTION_DAYS,
  });
  // A webhook secret means Telegram pushes updates to us; without one, a laptop pulls them (long polling).
  const telegramMode = !telegram ? 'off' : config.TELEGRAM_WEBHOOK_SECRET ? 'webhook' : 'polling';
  telegramBot?.connect(runtime.engine, { persistent: telegramMode === 'polling' });
  const extraRoutes: Hono[] = [];
  if (telegram && config.TELEGRAM_WEBHOOK_SECRET)
    extraRoutes.push(createTelegramRoutes(telegram, config.TELEGRAM_WEBHOOK_SECRET, logger));
  if (delivery.outbox) extraRoutes.push(createOutboxRoutes(delivery.outbox));
  if (metrics && config.METRICS_TOKEN)
    extraRoutes.push(createMetricsRoutes(metrics.registry, config.METRICS_TOKEN));
  // Identity cases are decided in Slack; without it, on a local page behind a secret address.
  const reviewToken = deriveSecret(dataKey, 'local-review-page').toString('base64url').slice(0, 32);
  const links = createStaffLinks({
    secret: deriveSecret(dataKey, 'staff-links'),
    publicUrl: config.PUBLIC_URL,
  });
  const slack = slackReviewOf(config, {
    review: runtime.review,
    cases: identityCases,
    accounts,
    files,
    links,
    logger,
  });
  if (slack) extraRoutes.push(slack.routes, slack.staffRoutes);
  else extraRoutes.push(createReviewRoutes({ review: runtime.review, accounts, files, token: reviewToken }));
  if (slack || config.OPERATOR_TOKEN)
    extraRoutes.push(
      createFunnelRoutes({
        funnel,
        links,
        reviewers: reviewersOf(config),
        operatorToken: config.OPERATOR_TOKEN,
        preset: config.INSURER,
        logger,
      }),
    );
  extraRoutes.push(
    createActivationRoutes({
      accounts,
      activation: runtime.services.activation,
      notices: runtime.notices,
      preset,
    }),
  );

  const draining = new AbortController();
  let retentionTimer: ReturnType<typeof setInterval> | undefined;
  const app = createApp({
    engine: runtime.engine,
    embedOrigins: config.WEB_CHAT_EMBED_ORIGINS,
    stopping: draining.signal,
    limits: chatLimits(limiter),
    // A request a Worker forwarded names its client, with proof; any other is whoever the connection says.
    clientAddress: (c) => vouchedClient(c, forwardKey) ?? clientAddress(c, config.TRUST_PROXY),
    inbox,
    store,
    sessionSecret: secrets.sessionSecret,
    preset,
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
    preview: runtime.identity.preview,
    dependencies: [
      {
        name: records,
        ping: async () => {
          if (!recordsOpen) throw new Error('records are still opening');
          await accounts.ping();
        },
      },
      { name: redis ? 'redis' : 'memory', ping: store.ping },
    ],
    extraRoutes,
    logger,
    logContext: withLogContext,
  });
  if (!config.SLACK_BOT_TOKEN) {
    logger.warn(
      'identity cases are decided on the local review page (Slack is not configured); keep its address secret',
      {
        review: `${config.PUBLIC_URL}/dev/review/${reviewToken}/`,
      },
    );
  }
  if (delivery.outbox) {
    logger.warn(
      'mail and/or SMS run on the development outbox: codes are shown at /dev/outbox; never expose it',
      { outbox: `${config.PUBLIC_URL}/dev/outbox` },
    );
  }
  return {
    app,
    engine: runtime.engine,
    services: runtime.services,
    notices: runtime.notices,
    store,
    backends: {
      records,
      state: redis ? 'redis' : 'memory',
      mail: config.SMTP_URL ? 'smtp' : 'outbox',
      sms: config.SMS_GATEWAY_URL ? 'gateway' : 'outbox',
      telegram: telegramMode,
    },
    telegram,
    review: runtime.review,
    reviewPath: config.SLACK_BOT_TOKEN ? null : `/dev/review/${reviewToken}/`,
    async settled(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await queue.pending()) > 0) {
        if (Date.now() > deadline)
          throw new Error(`queued work did not settle in time: ${await queue.pending()} left`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    startBackground() {
      runtime
        .startWorkers(slack?.desk)
        .catch((error) => logger.error('job workers did not start', { error: describeError(error) }));
      // Every instance asks for the hour's purge; the hour's key lets it run once among them.
      const purge = () =>
        void runtime.retention
          .schedule()
          .catch((error) => logger.warn('retention not queued', { error: describeError(error) }));
      purge();
      retentionTimer = setInterval(purge, 10 * 60 * 1000);
      retentionTimer.unref();
      void slack?.check();
      if (!telegram) return;
      // Learn the bot's identity now (getMe), not on the first update, which would wait for it.
      telegram.init().catch((error) => logger.warn('telegram getMe failed', { error: describeError(error) }));
      registerCommands(telegram, preset.languages).catch((error) =>
        logger.warn('telegram setMyCommands failed', { error: describeError(error) }),
      );
      if (telegramMode === 'polling') {
        telegram
          .start({ allowed_updates: ['message', 'callback_query'], drop_pending_updates: false })
          .catch((error) => logger.error('telegram polling stopped', { error: describeError(error) }));
      }
    },
    ready: queueOpening.then(() => undefined),
    drain: () => draining.abort(),
    async close(graceMs = 10_000) {
      draining.abort();
      clearInterval(retentionTimer);
      // grammY's stop confirms the last update with one more getUpdates, which waits as long as the Bot API
      // does: an unreachable Bot API must not hold a deploy (the unconfirmed update comes again and is known).
      if (telegram?.isRunning()) await atMost(telegram.stop(), 2000);
      await telegramBot?.idle(); // a turn still running finishes before the stores close under it
      // Running jobs finish (a reply half sent is finished); queued ones stay for another instance or a restart.
      await queueOpening.then((q) => q.stop(graceMs)).catch(() => {});
      await atMost(funnelRecorder.flush(), 2000); // the last turns' moves, unless the records are away

      delivery.close();
      await Promise.allSettled([
        passwords.close(),
        redis ? closeRedis(redis) : Promise.resolve(),
        opening.then((db) => db.close()),
      ]);
    },
  };
}

/** Slack review when SLACK_* are set (config.ts takes all four or none), with the staff pages it links to. */
function slackReviewOf(
  config: Config,
  deps: Omit<
    SlackReviewOptions,
    'token' | 'signingSecret' | 'channel' | 'reviewers' | 'apiUrl' | 'uploadPreviews'
  >,
) {
  const {
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_REVIEW_CHANNEL: channel,
  } = config;
  if (!token || !signingSecret || !channel) return null;
  const reviewers = [...reviewersOf(config)];
  const slack = createSlackReview({
    ...deps,
    token,
    signingSecret,
    channel,
    reviewers,
    apiUrl: config.SLACK_API_URL,
    uploadPreviews: config.SLACK_UPLOAD_PREVIEWS === '1',
  });
  const staffRoutes = createStaffRoutes({
    links: deps.links,
    cases: deps.cases,
    files: deps.files,
    reviewers: new Set(reviewers),
  });
  return { ...slack, staffRoutes };
}

/** Slack users who review identity cases (and open the funnel page). */
const reviewersOf = (config: Config): ReadonlySet<string> =>
  new Set((config.SLACK_REVIEWERS ?? '').split(',').filter(Boolean));

/**
 * The outlet of a channel this instance cannot reach (Telegram without a token). Its replies are not given up
 * here: the job fails and is retried, by an instance that has the channel if there is one.
 */
function unreachable(channel: string): Outlet {
  return {
    inline: false,
    async deliver() {
      throw new Error(`this instance has no ${channel} outlet (its token is not set)`);
    },
  };
}

/** Waits for `work` at most `ms`; what is left of it goes on unawaited (its errors dropped). */
async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** The queue, with every line a job's handler logs naming the job's queue (web/pino-logger.ts). */
function loggedInContext(queue: JobQueue): JobQueue {
  return {
    send: (name, data, key, options) => queue.send(name, data, key, options),
    work: (name, handler) => queue.work(name, (job) => withLogContext({ job: name }, () => handler(job))),
    pending: () => queue.pending(),
    stop: (graceMs) => queue.stop(graceMs),
  };
}
