import { type Bot, webhookCallback } from 'grammy';
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
  app.post('/telegram/webhook', bodyLimit({ maxSize: 1024 * 1024 }), (c) => handle(c));
  return app;
}
