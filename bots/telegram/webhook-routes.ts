import { type Bot, webhookCallback } from 'grammy';
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * POST /telegram/webhook. grammY checks X-Telegram-Bot-Api-Secret-Token in constant time (401 when wrong) and
 * answers only after the update's effect on the conversation is saved; past the timeout it answers 5xx, so
 * Telegram delivers the update again and the engine's event ids keep it from being handled twice.
 */
export function createTelegramRoutes(bot: Bot, secretToken: string) {
  const app = new Hono();
  const handle = webhookCallback(bot, 'hono', {
    secretToken,
    timeoutMilliseconds: 25_000,
    onTimeout: 'throw',
  });
  app.post('/telegram/webhook', declaredLengthAtMost(1024 * 1024), (c) => handle(c));
  return app;
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
