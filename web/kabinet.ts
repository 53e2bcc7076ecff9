import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { Bot } from 'grammy';
import type { Hono } from 'hono';
import { createTelegramBot, registerCommands } from '../bots/telegram/bot';
import { createCodeService } from '../core/codes';
import { createEngine, type Engine } from '../core/engine';
import { flowsFor, homeFlow } from '../core/flows';
import { describeError, type Logger, silentLogger } from '../core/logger';
import type { AccountRepository } from '../core/ports/accounts';
import type { StateStore } from '../core/ports/state-store';
import { presets } from '../core/presets';
import type { Services } from '../core/services';
import { createAccountRepository } from '../db/account-repository';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createRateLimiter } from '../db/rate-limiter';
import { closeRedis, createRedisClient } from '../db/redis';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createApp } from './app';
import { createChatInbox } from './chat/inbox';
import { clientAddress } from './client-address';
import type { Config } from './config';
import { resolveDataKey } from './data-key';
import { deferredPort } from './deferred-port';
import { createDelivery } from './delivery';
import { createOutboxRoutes } from './outbox-routes';
import { createWorkerPasswordHasher } from './password-hasher';
import { createTelegramRoutes } from './telegram-routes';

/** Idle conversations (and their web chat history) expire after this. Seconds. */
export const IDLE_SECONDS = 24 * 60 * 60;

export interface Kabinet {
  app: Hono;
  engine: Engine;
  services: Services;
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
  /** Resolves once every Telegram reply handed over so far is sent. */
  drainTelegram(): Promise<void>;
  /** Starts what runs beside HTTP: Telegram long polling (without a webhook secret) and its command menu. */
  startBackground(): void;
  /** Resolves when records are open and migrated; rejects when they cannot be (the service should stop). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The composition root: config in, a running service out. No module keeps a singleton. */
export async function createKabinet(config: Config, options: { logger?: Logger } = {}): Promise<Kabinet> {
  const logger = options.logger ?? silentLogger;
  const preset = presets[config.INSURER];
  const dataKey = await resolveDataKey(config);
  const delivery = createDelivery(config, logger); // checked before anything opens

  // Records open in the background so the chat answers at once; steps that need them wait.
  const cipher = createFieldCipher(dataKey);
  const opening = openDatabase({ url: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') }).then(
    (db) => createAccountRepository(db, cipher),
  );
  const accounts = deferredPort<AccountRepository>(opening);
  let recordsOpen = false;
  opening.then(
    () => (recordsOpen = true),
    () => {},
  );
  const records = config.DATABASE_URL ? 'postgres' : 'pglite';

  const redis = config.REDIS_URL ? createRedisClient(config.REDIS_URL) : undefined;
  const store = redis ? createRedisStateStore(redis) : createMemoryStateStore();
  const codesLimiter = createRateLimiter({
    name: 'codes',
    points: preset.codes.sendsPerHour,
    durationSeconds: 3600,
    redis,
  });
  const codesPerConversation = createRateLimiter({
    name: 'codes-by-conversation',
    points: preset.codes.sendsPerConversationPerHour,
    durationSeconds: 3600,
    redis,
  });

  const passwords = createWorkerPasswordHasher();

  const services: Services = {
    accounts,
    codes: createCodeService({
      store,
      limiter: codesLimiter,
      requesterLimiter: codesPerConversation,
      secret: deriveSecret(dataKey, 'one-time-codes'),
      policy: preset.codes,
    }),
    mailer: delivery.mailer,
    sms: delivery.sms,
    passwords,
    sealer: cipher,
  };
  const engine = createEngine({
    flows: flowsFor(preset),
    home: homeFlow,
    store,
    services,
    preset,
    idleSeconds: IDLE_SECONDS,
    logger,
  });
  const telegramBot = config.TELEGRAM_BOT_TOKEN
    ? createTelegramBot({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        engine,
        logger,
      })
    : null;
  const telegram = telegramBot?.bot ?? null;
  // A webhook secret means Telegram pushes updates to us; without one, a laptop pulls them (long polling).
  const telegramMode = !telegram ? 'off' : config.TELEGRAM_WEBHOOK_SECRET ? 'webhook' : 'polling';
  const extraRoutes: Hono[] = [];
  if (telegram && config.TELEGRAM_WEBHOOK_SECRET)
    extraRoutes.push(createTelegramRoutes(telegram, config.TELEGRAM_WEBHOOK_SECRET));
  if (delivery.outbox) extraRoutes.push(createOutboxRoutes(delivery.outbox));

  const app = createApp({
    engine,
    limits: {
      messages: createRateLimiter({ name: 'chat-messages', points: 120, durationSeconds: 60, redis }),
      newConversations: createRateLimiter({
        name: 'chat-conversations',
        points: 60,
        durationSeconds: 3600,
        redis,
      }),
    },
    clientAddress: (c) => clientAddress(c, config.TRUST_PROXY === '1'),
    inbox: createChatInbox(store, IDLE_SECONDS),
    sessionSecret: deriveSecret(dataKey, 'web-session-cookie').toString('base64url'),
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
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
  });
  if (delivery.outbox) {
    logger.warn(
      'mail and/or SMS run on the development outbox: codes are shown at /dev/outbox; never expose it',
      {
        outbox: `${config.PUBLIC_URL}/dev/outbox`,
      },
    );
  }
  return {
    app,
    engine,
    services,
    store,
    backends: {
      records,
      state: redis ? 'redis' : 'memory',
      mail: config.SMTP_URL ? 'smtp' : 'outbox',
      sms: config.SMS_GATEWAY_URL ? 'gateway' : 'outbox',
      telegram: telegramMode,
    },
    telegram,
    drainTelegram: async () => telegramBot?.drain(),
    startBackground() {
      if (!telegram) return;
      registerCommands(telegram).catch((error) =>
        logger.warn('telegram setMyCommands failed', { error: describeError(error) }),
      );
      if (telegramMode === 'polling') {
        telegram
          .start({ allowed_updates: ['message', 'callback_query'], drop_pending_updates: false })
          .catch((error) => logger.error('telegram polling stopped', { error: describeError(error) }));
      }
    },
    ready: opening.then(() => undefined),
    async close() {
      delivery.close();
      if (telegram?.isRunning()) await telegram.stop();
      await telegramBot?.drain();
      await Promise.allSettled([
        passwords.close(),
        redis ? closeRedis(redis) : Promise.resolve(),
        opening.then((repository) => repository.close()),
      ]);
    },
  };
}

/** A purpose-bound key from DATA_KEY, so one secret serves several uses without reusing it directly. */
function deriveSecret(dataKey: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', dataKey).update(`kabinet:${purpose}`).digest();
}
