import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { type Api, Bot, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { globalCommands } from '../../core/commands';
import type { Engine } from '../../core/engine';
import { createTranslations, defaultLocale, locales } from '../../core/i18n';
import { createKeyedQueue } from '../../core/keyed-queue';
import { describeError, type Logger } from '../../core/logger';
import type { Inbound } from '../../core/messages';
import { type FileFetcher, TELEGRAM_DOWNLOAD_LIMIT, toInbound } from './inbound';
import { type ApiCall, toApiCalls } from './outbound';

export interface TelegramBotOptions {
  token: string;
  /** The Bot API root; a fake one on loopback in tests. */
  apiRoot: string;
  engine: Engine;
  logger: Logger;
  /** Skips getMe when known (tests, or a restart that remembers it). */
  botInfo?: UserFromGetMe;
  /** After this long without a reply, the customer sees "typing…". Milliseconds. */
  typingAfterMs?: number;
}

/**
 * The customers' main channel. Every update goes through the same engine as the web chat; this file only
 * translates (inbound.ts, outbound.ts) and sends. 429s are retried after `retry_after` (auto-retry) and all
 * calls are paced within Telegram's limits (throttler), which also paces bulk notifications.
 */
export interface TelegramBot {
  bot: Bot;
  /** Resolves once every reply handed over so far has been sent (or has failed): for shutdown and tests. */
  drain(): Promise<void>;
}

export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const { engine, logger } = options;
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot }, botInfo: options.botInfo });
  // Telegram allows ~30 messages a second overall (the default global budget, which paces bulk notifications);
  // within one private chat a reply of two or three messages may go at once, in order, not one a second.
  bot.api.config.use(apiThrottler({ out: { maxConcurrent: 1, minTime: 50 } }));
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 }));
  // Long polling stops on an unhandled error unless there is a handler; the webhook instead answers 5xx, so
  // Telegram delivers the update again.
  bot.catch((error) => logger.error('telegram update failed', { error: describeError(error.error) }));

  const fetchFile: FileFetcher = async (fileId) => {
    const file = await bot.api.getFile(fileId);
    if (!file.file_path || (file.file_size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT)
      throw new Error('file too big to download');
    const response = await fetch(`${options.apiRoot}/file/bot${options.token}/${file.file_path}`);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`file download failed: ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  };

  // Updates of one chat are handled one after the other, and their replies are sent one batch after the other
  // in the same order. The update is acknowledged once handled (its effect is saved), not once its replies
  // are out: sends wait for Telegram's rate limits, which must not hold the webhook request.
  const inTurn = createKeyedQueue();
  const outgoing = createKeyedQueue();
  const sending = new Set<Promise<void>>();

  bot.use(async (ctx) => {
    const inbound = toInbound(ctx.update, fetchFile);
    const chatId = ctx.chat?.id;
    if (!inbound || chatId === undefined) return;
    await inTurn(String(chatId), () => turn(ctx, chatId, inbound));
  });

  async function turn(ctx: Context, chatId: number, inbound: Inbound) {
    // Stop the button's spinner at once; the answer comes as a message.
    if (ctx.callbackQuery) void ctx.answerCallbackQuery().catch(() => {});
    const typing = setTimeout(
      () => void ctx.api.sendChatAction(chatId, 'typing').catch(() => {}),
      options.typingAfterMs ?? 400,
    );
    let replies: Awaited<ReturnType<Engine['handle']>>;
    try {
      // Throws only on an outage (state store down): the webhook then answers 5xx and Telegram delivers again.
      replies = await engine.handle(inbound);
    } finally {
      clearTimeout(typing);
    }
    const batch = outgoing(String(chatId), () => send(ctx, chatId, toApiCalls(replies)));
    sending.add(batch);
    void batch.finally(() => sending.delete(batch));
  }

  /** The conversation is saved by now: a failed send is logged, not retried by failing the update. */
  async function send(ctx: Context, chatId: number, calls: ApiCall[]) {
    for (const call of calls) {
      try {
        await perform(ctx.api, chatId, call);
      } catch (error) {
        logger.warn('telegram call failed', {
          method: call.method,
          error: describeError(error),
        });
      }
    }
  }

  return {
    bot,
    async drain() {
      while (sending.size > 0) await Promise.allSettled([...sending]);
    },
  };
}

function perform(api: Api, chatId: number, call: ApiCall): Promise<unknown> {
  switch (call.method) {
    case 'sendMessage':
      return api.sendMessage(chatId, call.text, call.reply_markup ? { reply_markup: call.reply_markup } : {});
    case 'sendChatAction':
      return api.sendChatAction(chatId, call.action);
    case 'deleteMessage':
      return api.deleteMessage(chatId, call.message_id);
  }
}

/** The commands in the chat's menu, described in each language the bot speaks (Russian for any other). */
export async function registerCommands(bot: Bot) {
  const translations = createTranslations();
  for (const locale of locales) {
    const t = translations(locale);
    const commands = globalCommands.map((command) => ({ command, description: t(`command.${command}`) }));
    await bot.api.setMyCommands(commands, locale === defaultLocale ? {} : { language_code: locale });
  }
}
