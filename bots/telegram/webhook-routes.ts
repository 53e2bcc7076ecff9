import { timingSafeEqual } from 'node:crypto';
import { type Bot, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../core/logger';
import { updateShape } from './update-shape';

/**
 * POST /telegram/webhook. grammY checks X-Telegram-Bot-Api-Secret-Token in constant time (401 when wrong) and
 * answers only after the update's effect on the conversation is saved; past the timeout it answers 5xx, so
 * Telegram delivers the update again and the engine's event ids keep it from being handled twice.
 */
export function createTelegramRoutes(bot: Bot, secretToken: string, logger: Logger, handOff?: HandOff) {
  const app = new Hono();
  const handle = webhookCallback(bot, 'hono', {
    secretToken,
    timeoutMilliseconds: 25_000,
    onTimeout: 'throw',
  });
  app.post(
    '/telegram/webhook',
    declaredLengthAtMost(1024 * 1024),
    poisonDropped(secretToken, logger, handOff),
    async (c) => {
      // grammY would ask getMe itself, retrying without end (backing off to 20 minutes): a Telegram that does not
      // answer would hold the webhook open. Bounded here, a failure answers 5xx and Telegram sends the update again.
      if (!bot.isInited()) await bot.init(AbortSignal.timeout(INIT_TIMEOUT_MS) as GrammySignal);
      return handle(c);
    },
  );
  return app;
}

/**
 * Updates this side does not handle itself, answered by another that does (a Worker hands the ones carrying a
 * customer's file to Node, which has the image pipeline): `to` gets the update as Telegram sent it.
 */
export interface HandOff {
  wants(update: Update): boolean;
  to(request: Request): Promise<Response>;
}

/** The platform's AbortSignal, as grammY's Node typings name it (they declare abort-controller's). */
type GrammySignal = Parameters<Bot['init']>[0];

/** How long the bot's first getMe may take before an update is answered 5xx. */
const INIT_TIMEOUT_MS = 5_000;

/**
 * Without Telegram's secret: 401, whatever the body, before anything else is done for it (grammY itself would ask
 * Telegram for getMe first). From Telegram but unreadable or not an update as documented: answered 200 and logged,
 * so Telegram does not resend it forever.
 */
function poisonDropped(secretToken: string, logger: Logger, handOff?: HandOff): MiddlewareHandler {
  const expected = new TextEncoder().encode(secretToken);
  return async (c, next) => {
    const given = new TextEncoder().encode(c.req.header('x-telegram-bot-api-secret-token') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return c.text('secret token is wrong', 401);
    const text = await c.req.text(); // kept by Hono: grammY parses the same text
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      logger.warn('telegram update dropped: not JSON', {});
      return c.body(null, 200);
    }
    const shaped = updateShape.safeParse(body);
    if (!shaped.success) {
      const id = (body as { update_id?: unknown } | null)?.update_id;
      logger.warn('telegram update dropped: not an update as documented', {
        updateId: typeof id === 'number' ? id : undefined,
        problem: shaped.error.issues[0]?.path.join('.') ?? '',
      });
      return c.body(null, 200);
    }
    if (handOff?.wants(shaped.data as Update))
      return handOff.to(new Request(c.req.url, { method: 'POST', headers: c.req.raw.headers, body: text }));
    await next();
  };
}

/**
 * Refuses a body over `maxBytes`. With a Content-Length (Telegram always sends one) the header decides, without
 * touching the body: hono's bodyLimit reads through the body stream, which on Node builds a WHATWG Request and
 * stream for every update (12 % of the webhook's CPU under load, BENCHMARKS.md). Without one, bodyLimit counts.
 */
function declaredLengthAtMost(maxBytes: number): MiddlewareHandler {
  const counting = bodyLimit({ maxSize: maxBytes });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding')) return counting(c, next);
    if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) return c.text('Payload Too Large', 413);
    await next();
  };
}
