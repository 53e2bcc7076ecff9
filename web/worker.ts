import { drizzle } from 'drizzle-orm/postgres-js';
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { Hono } from 'hono';
import postgres from 'postgres';
import { carriesFile } from '../bots/telegram/inbound';
import { handleTurns } from '../bots/telegram/turns';
import { createTelegramRoutes } from '../bots/telegram/webhook-routes';
import type { Engine } from '../core/engine';
import { DEFAULT_IDLE_SECONDS as IDLE_SECONDS } from '../core/engine';
import { createFunnelRecorder } from '../core/funnel';
import type { Logger } from '../core/logger';
import { presets } from '../core/presets';
import { DELIVERY_LEASE_MS } from '../core/replies';
import { createAccountRepository } from '../db/account-repository';
import { createFieldCipher } from '../db/field-cipher';
import { createFunnelRepository } from '../db/funnel-repository';
import { createIdentityCaseRepository } from '../db/identity-case-repository';
import { createPgBossWriter } from '../db/jobs/pg-boss-writer';
import * as schema from '../db/schema';
import { createRateLimiter } from '../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createRedisTicketStore } from '../db/state/redis-ticket-store';
import { createTicketLock } from '../db/state/ticket-lock';
import { createActivationRoutes } from './activation-routes';
import { createApp } from './app';
import { createInlinePasswordHasher } from './bcrypt-hasher';
import { createChatInbox, createWebOutlet } from './chat/inbox';
import { chatLimits } from './chat/limits';
import { type Config, ConfigError, loadConfig } from './config';
import { deriveSecret, sharedSecrets } from './derived-secrets';
import { vouchForClient } from './forwarded-client';
import { createConsoleLogger } from './logger';
import { createRuntime } from './runtime';

/**
 * The Cloudflare Workers entry (wrangler.toml): the web chat's page and API and Telegram's webhook on the same Hono
 * app and engine as Node, over the same Postgres and Redis, so a conversation moves freely between a Worker and Node
 * instances, and the activation pages. What a Worker cannot do is forwarded to the Node side (KABINET_NODE_URL),
 * never pretended: pictures (sharp; a Telegram update bringing a file too), long polling for updates (a request
 * held 25 s would hold its own Postgres and Redis connections here, unbounded by the per-chat cap, and unwoken by
 * other requests), Slack's webhook and the review pages (Bolt; the pictures under review are Node's); and every
 * queued job (codes, replies to Telegram, notices) is written to
 * the queue the Node side works from.
 *
 * A Worker's sockets belong to the request that opened them, so Postgres and Redis are connected per request
 * (postgres.js over `cloudflare:sockets`, ioredis over `node:net` under nodejs_compat) and closed after it.
 */

/**
 * What the Worker answers itself, besides the activation pages (`/activate/…`) and Telegram's webhook (when
 * configured); anything else goes to the Node side.
 */
const ON_THE_WORKER = new Set([
  'GET /',
  'GET /chat/app.js',
  'GET /chat/app.css',
  'GET /chat/logo.svg',
  'GET /chat/widget.js',
  'GET /favicon.ico',
  'POST /chat/messages',
  'GET /healthz',
  'GET /readyz',
]);

type Bindings = Record<string, unknown>;
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Configuration from the Worker's vars and secrets, read once per isolate at its first request. */
interface Settings {
  config: Config;
  dataKey: Uint8Array;
  databaseUrl: string;
  redisUrl: string;
}
let settings: Settings | ConfigError | undefined;

function settingsOf(env: Bindings): Settings | ConfigError {
  if (settings) return settings;
  const strings = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  // Hyperdrive (a binding named HYPERDRIVE) pools and caches the database connection when it is configured.
  const hyperdrive = (env.HYPERDRIVE as { connectionString?: string } | undefined)?.connectionString;
  if (hyperdrive) strings.DATABASE_URL = hyperdrive;
  try {
    const config = loadConfig(strings);
    // PUBLIC_URL too: it decides the cookie's name and flags, which must be Node's for a chat to move between them.
    const problems = (['DATABASE_URL', 'REDIS_URL', 'DATA_KEY', 'PUBLIC_URL'] as const)
      .filter((name) => !strings[name])
      .map((name) => `${name}: required on Workers (no embedded defaults there)`);
    // Telegram's replies and files are Node's work: without it, a photo's update would be refused for a day.
    if (telegramOf(config) && !config.KABINET_NODE_URL)
      problems.push(
        'KABINET_NODE_URL: required with Telegram’s webhook (Node sends the replies and takes files)',
      );
    if (problems.length > 0)
      throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    logger = createConsoleLogger(config.LOG_LEVEL);
    settings = {
      config,
      // As Node reads it: base64 or base64url alike.
      dataKey: new Uint8Array(Buffer.from(String(config.DATA_KEY), 'base64')),
      databaseUrl: String(config.DATABASE_URL),
      redisUrl: String(config.REDIS_URL),
    };
  } catch (error) {
    settings = error instanceof ConfigError ? error : new ConfigError(String(error));
  }
  return settings;
}

/** At LOG_LEVEL once the configuration is read; until then (or when it cannot be), at `info`. */
let logger: Logger = createConsoleLogger('info');

/** A port whose work is the Node side's: reaching it here is a defect, said plainly. */
const onNode =
  (what: string) =>
  (..._: unknown[]): never => {
    throw new Error(`${what} happens on the Node side, not in a Worker`);
  };

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const setup = settingsOf(env);
    if (setup instanceof ConfigError) {
      logger.error('the Worker is not configured', { problem: setup.message });
      return Response.json(
        { error: 'unavailable', message: 'The service is not configured.' },
        { status: 503 },
      );
    }
    const { config } = setup;
    const url = new URL(request.url);
    // Prometheus scrapes each Node instance itself: forwarded, a scrape would reach one instance of many, from the
    // internet.
    if (url.pathname === '/metrics')
      return Response.json({ error: 'not_found', message: 'No route for /metrics here' }, { status: 404 });
    const route = `${request.method} ${url.pathname}`;
    const webhook = route === TELEGRAM_WEBHOOK && telegramOf(config) !== null;
    const activation = url.pathname.startsWith('/activate/');
    if (!ON_THE_WORKER.has(route) && !webhook && !activation) return toNode(request, config, setup.dataKey);

    // Connected on first use: the page's script and style need neither.
    const redis = createRedisClient(setup.redisUrl, undefined, { lazy: true });
    const sql = postgres(setup.databaseUrl, {
      max: 1,
      fetch_types: false,
      onnotice: () => {},
      connect_timeout: 5,
      connection: { statement_timeout: 10_000 },
    });
    const kabinet = compose(setup, redis, sql, webhook ? ctx : null);
    try {
      const response = await kabinet.app.fetch(request);
      if (response.headers.has(RUNTIME)) return response; // handed to Node from inside the app
      const answered = new Response(response.body, response);
      answered.headers.set(RUNTIME, 'worker');
      return answered;
    } finally {
      // A client never used never connected: nothing to say goodbye to.
      const redisClosed = redis.status === 'wait' ? Promise.resolve(redis.disconnect()) : closeRedis(redis);
      // The funnel's events of this request first: they need the connection the end closes.
      const funnelWritten = kabinet.funnel.flush();
      ctx.waitUntil(Promise.allSettled([funnelWritten.then(() => sql.end({ timeout: 1 })), redisClosed]));
    }
  },
};

/**
 * One request's Kabinet: the same runtime and app as on Node, over this request's connections; with `webhook`
 * (the request's context), Telegram's webhook too.
 */
function compose(
  setup: Settings,
  redis: ReturnType<typeof createRedisClient>,
  sql: postgres.Sql,
  webhook: ExecutionContext | null,
) {
  const { config, dataKey } = setup;
  const preset = {
    ...presets[config.INSURER],
    resetMode: config.RESET_MODE ?? presets[config.INSURER].resetMode,
  };
  const db = drizzle(sql, { schema });
  const cipher = createFieldCipher(dataKey);
  const { queue, jobs } = createPgBossWriter(db, cipher);
  const accounts = createAccountRepository(
    {
      db,
      kind: 'postgres',
      jobs: { connectionString: setup.databaseUrl },
      emails: noEmails,
      onJobsQueuedElsewhere: async () => {}, // a Worker runs no jobs
      close: () => sql.end(),
    },
    cipher,
  );
  const store = createRedisStateStore(redis);
  const inbox = createChatInbox(store, IDLE_SECONDS);
  const limiter = (name: string, points: number, durationSeconds: number) =>
    createRateLimiter({ name, points, durationSeconds, redis });
  const secrets = sharedSecrets(dataKey);
  // Written when the request ends (worker's fetch): a Worker keeps nothing between requests.
  const funnel = createFunnelRecorder({
    repository: createFunnelRepository(db),
    preset: config.INSURER,
    lifeKey: deriveSecret(dataKey, 'funnel-life'),
    logger,
  });
  const runtime = createRuntime({
    telemetry: funnel.telemetry,
    preset,
    store,
    lock: createTicketLock(createRedisTicketStore(redis)),
    deliveryLock: createTicketLock(createRedisTicketStore(redis), { leaseMs: DELIVERY_LEASE_MS }),
    queue,
    // Telegram replies are queued for the Node side, whose outlet sends them.
    outlets: { web: createWebOutlet(inbox), tg: { inline: false, deliver: onNode('sending to Telegram') } },
    accounts,
    identity: {
      cases: createIdentityCaseRepository(db, jobs),
      files: {
        put: onNode('keeping pictures'),
        get: onNode('reading pictures'),
        delete: onNode('deleting pictures'),
        storedBefore: onNode('listing pictures'),
      },
      images: { prepare: onNode('preparing pictures (sharp)') },
    },
    mailer: { send: onNode('sending mail') },
    sms: { send: onNode('sending SMS') },
    passwords: createInlinePasswordHasher(),
    sealer: cipher,
    limiter,
    codeSecret: secrets.codeSecret,
    activationSecret: secrets.activationSecret,
    publicUrl: config.PUBLIC_URL,
    logger,
    idleSeconds: IDLE_SECONDS,
  });
  const app = createApp({
    extraRoutes: [
      createActivationRoutes({
        accounts,
        activation: runtime.services.activation,
        notices: runtime.notices,
        preset,
      }),
      ...(webhook ? [telegramRoutes(setup, runtime.engine, webhook)] : []),
    ],
    engine: runtime.engine,
    limits: chatLimits(limiter),
    // Cloudflare names the client; nothing in front of it can.
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? null,
    inbox,
    store,
    sessionSecret: secrets.sessionSecret,
    preset,
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
    embedOrigins: config.WEB_CHAT_EMBED_ORIGINS,
    preview: runtime.identity.preview,
    dependencies: [
      { name: 'postgres', ping: accounts.ping },
      { name: 'redis', ping: store.ping },
    ],
    logger,
  });
  return { app, funnel };
}

const noEmails = { rewritten: 0, collisions: 0, unreadable: 0, failed: 0 };

const TELEGRAM_WEBHOOK = 'POST /telegram/webhook';

/** Telegram's settings when this deployment takes its webhook (a token and the webhook's secret), else null. */
function telegramOf(config: Config) {
  const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: secret } = config;
  return token && secret ? { token, secret, apiRoot: config.TELEGRAM_API_ROOT } : null;
}

/** The bot's own description (getMe), asked once per isolate rather than once per update. */
let botInfo: UserFromGetMe | undefined;

/**
 * Telegram's webhook over this request's engine, as Node serves it: same secret check, same turns. Replies go to
 * the queue Node's sender works from; an update bringing a file goes to Node as it came (its pictures are Node's).
 */
function telegramRoutes(setup: Settings, engine: Engine, ctx: ExecutionContext): Hono {
  const telegram = telegramOf(setup.config) as NonNullable<ReturnType<typeof telegramOf>>;
  const bot = new Bot(telegram.token, {
    client: { apiRoot: telegram.apiRoot, timeoutSeconds: 10 },
    botInfo,
  });
  handleTurns(bot, engine, {
    logger,
    fetchFile: onNode('downloading a customer’s file'),
    background: (call) => ctx.waitUntil(call),
  });
  const routes = createTelegramRoutes(bot, telegram.secret, logger, {
    wants: carriesFile,
    to: (request) => toNode(request, setup.config, setup.dataKey),
  });
  const remembering = new Hono();
  remembering.use(async (_c, next) => {
    await next();
    if (bot.isInited()) botInfo = bot.botInfo;
  });
  return remembering.route('/', routes);
}

/**
 * Forwards a request to the Node side as it came (method, headers, body): the Node side answers it. The client's
 * address (Cloudflare's `cf-connecting-ip`) goes with it, vouched for by an HMAC under DATA_KEY, so Node keeps each
 * client's budgets apart rather than charging them all to the Worker's address.
 */
async function toNode(request: Request, config: Config, dataKey: Uint8Array): Promise<Response> {
  if (!config.KABINET_NODE_URL)
    return Response.json(
      {
        error: 'unavailable',
        message: 'This is served by the Node side, which is not configured (KABINET_NODE_URL).',
      },
      { status: 503 },
    );
  const url = new URL(request.url);
  // The path is set, never resolved against the Node side's address: `//elsewhere.example/x` stays a path.
  const target = new URL(config.KABINET_NODE_URL);
  target.pathname = url.pathname;
  target.search = url.search;
  const forwarded = new Request(target, request);
  vouchForClient(
    forwarded.headers,
    deriveSecret(dataKey, 'worker-forward'),
    request.headers.get('cf-connecting-ip'),
  );
  const answer = await fetch(forwarded);
  const answered = new Response(answer.body, answer);
  answered.headers.set(RUNTIME, 'node');
  return answered;
}

/** Which side answered: `worker`, or `node` for what the Worker forwarded (the tests tell them apart by it). */
const RUNTIME = 'x-kabinet-runtime';
