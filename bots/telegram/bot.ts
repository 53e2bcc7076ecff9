import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { type Api, Bot, GrammyError } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { globalCommands } from '../../core/commands';
import type { Engine } from '../../core/engine';
import { createTranslations, defaultLocale, type Locale } from '../../core/i18n';
import { describeError, type Logger } from '../../core/logger';
import type { Outlet } from '../../core/ports/outlet';
import { chatIdOf, type FileFetcher, TELEGRAM_DOWNLOAD_LIMIT } from './inbound';
import { type ApiCall, toApiCalls } from './outbound';
import { handleTurns } from './turns';

export interface TelegramBotOptions {
  token: string;
  /** The Bot API root; a fake one on loopback in tests. */
  apiRoot: string;
  logger: Logger;
  /** Skips getMe when known (tests, or a restart that remembers it). */
  botInfo?: UserFromGetMe;
  /** After this long without a reply, the customer sees "typing…". Milliseconds. */
  typingAfterMs?: number;
}

/**
 * The customers' main channel. Updates go through the same engine as the web chat (`connect`); replies leave
 * through `outlet`, which the reply queue drives after each turn is saved. This file only translates
 * (inbound.ts, outbound.ts) and calls the Bot API. 429s are retried after `retry_after` (auto-retry) and all
 * calls are paced within Telegram's limits (throttler), which also paces bulk notifications.
 */
export interface TelegramBot {
  bot: Bot;
  outlet: Outlet;
  /**
   * Hands updates to `engine`; call once, before polling starts or the webhook is served. With `persistent`
   * (long polling, where grammY confirms an update to Telegram whatever its handler did), a turn that meets an
   * outage is tried again until it goes through, instead of being dropped.
   */
  connect(engine: Engine, options?: { persistent?: boolean }): void;
  /** Resolves once no update is being handled: for shutdown, before the stores close. */
  idle(): Promise<void>;
}

export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const { logger } = options;
  // A call gives up after 10 s (grammY's default is 500): a reply job must finish well inside its expiry.
  const bot = new Bot(options.token, {
    client: { apiRoot: options.apiRoot, timeoutSeconds: 10 },
    botInfo: options.botInfo,
  });
  // Telegram allows ~30 messages a second overall (the default global budget, which paces bulk notifications);
  // within one private chat a reply of two or three messages may go at once, in order, not one a second.
  bot.api.config.use(apiThrottler({ out: { maxConcurrent: 1, minTime: 50 } }));
  // Only a short flood wait is sat out here (once, up to 10 s). Telegram's 5xx, network errors and longer waits
  // fail the call, and the reply queue retries the rest of the batch later with backoff.
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: 1,
      maxDelaySeconds: 10,
      rethrowInternalServerErrors: true,
      rethrowHttpErrors: true,
    }),
  );
  // Long polling stops on an unhandled error unless there is a handler; the webhook instead answers 5xx, so
  // Telegram delivers the update again.
  bot.catch((error) => logger.error('telegram update failed', { error: describeError(error.error) }));

  const fetchFile: FileFetcher = async (fileId) => {
    const file = await bot.api.getFile(fileId);
    if (!file.file_path || (file.file_size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT) return 'too_large';
    // Bounded in time and bytes whatever the server says: a local Bot API server serves files up to 2 GB.
    const response = await fetch(`${options.apiRoot}/file/bot${options.token}/${file.file_path}`, {
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`file download failed: ${response.status}`);
    }
    return readAtMost(response.body, TELEGRAM_DOWNLOAD_LIMIT);
  };

  const outlet: Outlet = {
    inline: false,
    async deliver(batch, from, progress, deadline) {
      const chatId = chatIdOf(batch.conversationId);
      const calls = toApiCalls(batch.out); // one call per message, in order
      for (let i = from; i < calls.length; i++) {
        const call = calls[i] as ApiCall;
        if (Date.now() > deadline) throw new Error('out of time for this try; the rest goes on the next');
        try {
          await perform(bot.api, chatId, call);
        } catch (error) {
          // The network, Telegram's own failures and a flood wait too long to sit out: retried later.
          if (!(error instanceof GrammyError) || error.error_code >= 500 || error.error_code === 429)
            throw error;
          // 403: the customer blocked the bot or deleted the account; 400 "chat not found": never reachable.
          if (error.error_code === 403 || /chat not found/i.test(error.description)) return 'gone';
          // A message already gone from the chat cannot be deleted twice; anything else is a defect worth a log.
          logger.warn('telegram refused a call; skipped', {
            method: call.method,
            error: describeError(error),
          });
        }
        await progress(i + 1);
      }
      return 'delivered';
    },
  };

  let turns: ReturnType<typeof handleTurns> | undefined;
  return {
    bot,
    outlet,
    idle: async () => turns?.idle(),
    connect(engine, connectOptions = {}) {
      turns = handleTurns(bot, engine, {
        logger,
        fetchFile,
        typingAfterMs: options.typingAfterMs,
        persistent: connectOptions.persistent,
      });
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
export async function registerCommands(bot: Bot, languages: readonly Locale[]) {
  const translations = createTranslations();
  for (const locale of new Set([defaultLocale, ...languages])) {
    const t = translations(locale);
    const commands = globalCommands.map((command) => ({ command, description: t(`command.${command}`) }));
    await bot.api.setMyCommands(commands, locale === defaultLocale ? {} : { language_code: locale });
  }
}

/** A download of a customer's file may take this long (Telegram serves 20 MB in a few seconds). */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** The body's bytes, or 'too_large' as soon as it passes `limit` (the rest is not read). */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | 'too_large'> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) return 'too_large'; // leaving the loop cancels the rest of the download
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
