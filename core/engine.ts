import { createConversation } from './conversation';
import type { Flow } from './flow';
import { matchLocale } from './i18n';
import { createKeyedQueue } from './keyed-queue';
import { describeError, type Logger, silentLogger } from './logger';
import type { Inbound, Outbound } from './messages';
import type { StateStore } from './ports/state-store';
import type { InsurerPreset } from './presets';
import { type ConversationState, decodeState, encodeState, pushBounded, SEEN_LIMIT } from './state';

export interface EngineOptions<S> {
  flows: Flow<S>[];
  /** The flow a new conversation starts in and /cancel returns to. */
  home: string;
  store: StateStore;
  services: S;
  preset: InsurerPreset;
  /** Epoch milliseconds; tests pass a fixed clock. */
  now?: () => number;
  /** A conversation idle longer than this starts afresh. Seconds. */
  idleSeconds?: number;
  /** Longest text answer accepted, in characters. */
  maxTextLength?: number;
  logger?: Logger;
}

export interface Engine {
  /** Handles one message of a conversation and returns the replies; one state read and one write. */
  handle(inbound: Inbound): Promise<Outbound[]>;
}

/** Thrown when compare-and-set kept losing: another process is writing the same conversation in a loop. */
export class ConversationBusyError extends Error {
  override name = 'ConversationBusyError';
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} kept changing under us`);
  }
}

const CAS_ATTEMPTS = 5;

/**
 * Loads a conversation, runs one message through it and saves it with compare-and-set. Messages of one
 * conversation queue up in arrival order within a process; across processes a lost compare-and-set reruns the
 * message on the fresh state, so steps that call services should tolerate being run twice.
 */
export function createEngine<S>(options: EngineOptions<S>): Engine {
  const { store } = options;
  const now = options.now ?? Date.now;
  const idleSeconds = options.idleSeconds ?? 24 * 60 * 60;
  const logger = options.logger ?? silentLogger;
  const conversation = createConversation({ ...options, now, maxTextLength: options.maxTextLength ?? 2000 });
  const enqueue = createKeyedQueue();

  async function handleOnce(inbound: Inbound): Promise<Outbound[]> {
    const key = `conv:${inbound.conversationId}`;
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const stored = await store.get(key);
      let loaded = stored ? decodeState(stored.value) : null;
      if (loaded && !conversation.isLive(loaded)) loaded = null; // a step that no longer exists: start afresh
      if (loaded && inbound.eventId && loaded.seen.includes(inbound.eventId)) return [];
      const expired = loaded !== null && now() - loaded.activeAt > idleSeconds * 1000;
      // A message typed at a password question leaves the chat whatever becomes of it: accepted, refused,
      // read as a command, arriving after expiry, or met by an outage.
      const deleteSecret: Outbound[] =
        loaded && inbound.type === 'text' && inbound.messageId && conversation.asksForSecret(loaded)
          ? [{ type: 'delete-message', messageId: inbound.messageId }]
          : [];
      const turn = await runSafely(expired ? null : loaded, expired, inbound);
      if (!turn)
        return [...deleteSecret, ...conversation.apology(loaded?.locale ?? matchLocale(inbound.localeHint))];
      const seen = inbound.eventId
        ? pushBounded(turn.state.seen, inbound.eventId, SEEN_LIMIT)
        : turn.state.seen;
      const next = { ...turn.state, seen, activeAt: now() };
      // Kept past the idle limit so a returning customer is told their conversation expired.
      const saved = await store.compareAndSet(key, stored?.version ?? 0, encodeState(next), idleSeconds * 2);
      if (saved !== null) return [...deleteSecret, ...turn.out];
      logger.info('conversation changed concurrently, retrying', {
        conversationId: inbound.conversationId,
        attempt,
      });
    }
    throw new ConversationBusyError(inbound.conversationId);
  }

  /** A step that throws (an outage, a defect) leaves the state unsaved, so the customer keeps their place. */
  async function runSafely(loaded: ConversationState | null, expired: boolean, inbound: Inbound) {
    try {
      return await conversation.runTurn(loaded, expired, inbound);
    } catch (error) {
      logger.error('step failed', {
        conversationId: inbound.conversationId,
        position: loaded ? `${loaded.flow}/${loaded.step}` : null,
        error: describeError(error),
      });
      return null;
    }
  }

  return {
    handle: (inbound) => enqueue(inbound.conversationId, () => handleOnce(inbound)),
  };
}
