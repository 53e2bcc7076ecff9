import { createConversation } from './conversation';
import type { Flow } from './flow';
import { matchLocale } from './i18n';
import { createKeyedQueue } from './keyed-queue';
import { describeError, type Logger, silentLogger } from './logger';
import type { Inbound, Outbound } from './messages';
import type { OutgoingBatch } from './ports/outlet';
import type { StateStore } from './ports/state-store';
import type { TurnLock } from './ports/turn-lock';
import type { InsurerPreset } from './presets';
import { type ConversationState, decodeState, encodeState, pushBounded, SEEN_LIMIT } from './state';

export interface EngineOptions<S> {
  flows: Flow<S>[];
  /** The flow a new conversation starts in and /cancel returns to. */
  home: string;
  store: StateStore;
  /** One turn per conversation at a time, in arrival order, across instances. */
  lock: TurnLock;
  /** Hands a saved turn's replies to their channel; idempotent per conversation and batch number. */
  dispatch(batch: OutgoingBatch): Promise<void>;
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

/** What became of one inbound event. */
export interface Handled {
  /** The replies, already handed to the channel's outlet (empty for a repeat of an event without replies). */
  out: Outbound[];
  /** Their batch number in the conversation, or null when there were none. */
  batch: number | null;
  /** The event had been handled before (a redelivery): nothing was run again. */
  duplicate: boolean;
}

export interface Engine {
  /** Handles one event of a conversation: one state read, one write, replies handed over after the write. */
  handle(inbound: Inbound): Promise<Handled>;
}

/** Thrown when compare-and-set kept losing: another process is writing the same conversation in a loop. */
export class ConversationBusyError extends Error {
  override name = 'ConversationBusyError';
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} kept changing under us`);
  }
}

const CAS_ATTEMPTS = 5;
const conversationKey = (id: string) => `conv:${id}`;
const repliesKey = (id: string) => `out:${id}`;

/**
 * Runs one event at a time per conversation, in arrival order across every instance (the turn lock), and saves
 * the new state together with its replies in one compare-and-set; only then are the replies handed to the
 * channel. So a turn's effects on the conversation happen once: a redelivered event finds its saved replies and
 * hands them over again (outlets deliver a batch once), and a turn whose holder died is followed by one that
 * re-hands the latest replies. Services a step calls take the event id as their idempotency key.
 */
export function createEngine<S>(options: EngineOptions<S>): Engine {
  const { store, lock, dispatch } = options;
  const now = options.now ?? Date.now;
  const idleSeconds = options.idleSeconds ?? 24 * 60 * 60;
  const logger = options.logger ?? silentLogger;
  const conversation = createConversation({ ...options, now, maxTextLength: options.maxTextLength ?? 2000 });
  const inTurn = createKeyedQueue();

  async function savedReplies(conversationId: string): Promise<OutgoingBatch | null> {
    const stored = await store.get(repliesKey(conversationId));
    return stored ? (JSON.parse(stored.value) as OutgoingBatch) : null;
  }

  /** A repeat of a handled event: hand its replies over again in case the first hand-over died. */
  async function repeat(inbound: Inbound): Promise<Handled> {
    const latest = await savedReplies(inbound.conversationId);
    if (!latest || latest.eventId !== inbound.eventId) return { out: [], batch: null, duplicate: true };
    await dispatch(latest);
    return { out: latest.out, batch: latest.batch, duplicate: true };
  }

  async function handleOnce(inbound: Inbound): Promise<Handled> {
    const key = conversationKey(inbound.conversationId);
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const stored = await store.get(key);
      let loaded = stored ? decodeState(stored.value) : null;
      if (loaded && !conversation.isLive(loaded)) loaded = null; // a step that no longer exists: start afresh
      if (loaded && inbound.eventId && loaded.seen.includes(inbound.eventId)) return repeat(inbound);
      const expired = loaded !== null && now() - loaded.activeAt > idleSeconds * 1000;
      // A message typed at a password question leaves the chat whatever becomes of it: accepted, refused,
      // read as a command, arriving after expiry, or met by an outage.
      const deleteSecret: Outbound[] =
        loaded && inbound.type === 'text' && inbound.messageId && conversation.asksForSecret(loaded)
          ? [{ type: 'delete-message', messageId: inbound.messageId }]
          : [];
      const turn = (await runSafely(expired ? null : loaded, expired, inbound)) ?? {
        // A step failed on our side: the customer keeps their place and hears an apology.
        state: loaded ?? conversation.fresh(matchLocale(inbound.localeHint)),
        out: conversation.apology(loaded?.locale ?? matchLocale(inbound.localeHint)),
      };
      const out = [...deleteSecret, ...turn.out];
      const previous = turn.state.outSeq ?? 0;
      const next: ConversationState = {
        ...turn.state,
        seen: inbound.eventId ? pushBounded(turn.state.seen, inbound.eventId, SEEN_LIMIT) : turn.state.seen,
        activeAt: now(),
        outSeq: out.length > 0 ? previous + 1 : previous,
      };
      const batch: OutgoingBatch = {
        conversationId: inbound.conversationId,
        channel: inbound.channel,
        batch: next.outSeq,
        eventId: inbound.eventId,
        out,
      };
      // Kept past the idle limit so a returning customer is told their conversation expired.
      const ttl = idleSeconds * 2;
      const also =
        out.length > 0
          ? { key: repliesKey(inbound.conversationId), value: JSON.stringify(batch) }
          : undefined;
      const saved = await store.compareAndSet(key, stored?.version ?? 0, encodeState(next), ttl, also);
      if (saved !== null) {
        if (out.length === 0) return { out, batch: null, duplicate: false };
        await dispatch(batch);
        return { out, batch: batch.batch, duplicate: false };
      }
      logger.info('conversation changed concurrently, retrying', {
        conversationId: inbound.conversationId,
        attempt,
      });
    }
    throw new ConversationBusyError(inbound.conversationId);
  }

  /** A step that throws (an outage, a defect) leaves the state as it was, so the customer keeps their place. */
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

  async function lockedTurn(inbound: Inbound): Promise<Handled> {
    const lease = await lock.acquire(inbound.conversationId);
    try {
      if (lease.tookOver) {
        // The previous holder died mid-turn, perhaps after saving and before handing its replies over.
        const latest = await savedReplies(inbound.conversationId);
        if (latest) await dispatch(latest);
      }
      return await handleOnce(inbound);
    } finally {
      await lease.release().catch((error) =>
        logger.warn('turn lock release failed; the next turn waits for the lease to run out', {
          conversationId: inbound.conversationId,
          error: describeError(error),
        }),
      );
    }
  }

  return {
    // Within a process, one chat's events queue up here; the turn lock orders them across processes.
    handle: (inbound) => inTurn(inbound.conversationId, () => lockedTurn(inbound)),
  };
}
