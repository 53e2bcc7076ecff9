import type { Bot } from 'grammy';
import type { Engine } from '../../core/engine';
import { describeError, type Logger } from '../../core/logger';
import { type FileFetcher, toInbound } from './inbound';

export interface TurnOptions {
  logger: Logger;
  /** Downloads a customer's file when a step asks for its bytes. */
  fetchFile: FileFetcher;
  /** After this long without a reply, the customer sees "typing…". Milliseconds. */
  typingAfterMs?: number;
  /**
   * Long polling, where grammY confirms an update to Telegram whatever its handler did: a turn that meets an
   * outage is tried again until it goes through, instead of being dropped.
   */
  persistent?: boolean;
  /**
   * Keeps a call that need not hold the answer (stopping a button's spinner) alive past it: a Worker cancels what
   * is left once its response is sent, unless told to wait for it.
   */
  background?: (call: Promise<unknown>) => void;
}

/**
 * Hands each update `bot` receives to `engine` as one turn of its chat, on Node (webhook or long polling) and on a
 * Worker (webhook) alike. Resolves the handler once the turn is saved and its replies queued; throws on an outage,
 * so the webhook answers 5xx and Telegram delivers the update again (then handled once). Returns `idle`, which
 * resolves once no update is being handled: for shutdown, before the stores close.
 */
export function handleTurns(bot: Bot, engine: Engine, options: TurnOptions): { idle(): Promise<void> } {
  const { logger } = options;
  const inFlight = new Set<Promise<unknown>>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const handle = async (inbound: NonNullable<ReturnType<typeof toInbound>>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await engine.handle(inbound);
      } catch (error) {
        if (!options.persistent || attempt >= 20) throw error;
        logger.warn('telegram update will be tried again', { attempt, error: describeError(error) });
        await sleep(Math.min(500 * attempt, 5000));
      }
    }
  };
  bot.use(async (ctx) => {
    const inbound = toInbound(ctx.update, options.fetchFile);
    const chatId = ctx.chat?.id;
    if (!inbound || chatId === undefined) return;
    // Stop the button's spinner at once; the answer comes as a message.
    if (ctx.callbackQuery) {
      const answered = ctx.answerCallbackQuery().catch(() => {});
      options.background?.(answered);
    }
    const typing = setTimeout(
      () => void ctx.api.sendChatAction(chatId, 'typing').catch(() => {}),
      options.typingAfterMs ?? 400,
    );
    const turn = handle(inbound);
    inFlight.add(turn);
    try {
      await turn;
    } finally {
      inFlight.delete(turn);
      clearTimeout(typing);
    }
  });
  return {
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
