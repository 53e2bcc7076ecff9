import { createConversation, type Turn } from './conversation';
import type { Flow } from './flow';
import { matchLocale } from './i18n';
import { describeError, type Logger, silentLogger } from './logger';
import type { Inbound, Outbound } from './messages';
import type { OutgoingBatch } from './ports/outlet';
import type { StateStore } from './ports/state-store';
import { noTelemetry, type Telemetry, type TelemetryEvent } from './ports/telemetry';
import type { TurnLease, TurnLock } from './ports/turn-lock';
import type { InsurerPreset } from './presets';
import { BATCH_TTL_SECONDS, batchKey, type ReplyHandOver } from './replies';
import type { Sessions } from './sessions';
import { type ConversationState, decodeState, encodeState, pushBounded, SEEN_LIMIT } from './state';

export interface EngineOptions<S> {
  flows: Flow<S>[];
  /** The flow a new conversation starts in and /cancel returns to. */
  home: string;
  store: StateStore;
  /** One turn per conversation at a time, in arrival order, across instances. */
  lock: TurnLock;
  /** How saved replies reach their channel (core/replies.ts); both steps idempotent per batch. */
  replies: ReplyHandOver;
  services: S;
  /** Checked at every message of a signed-in conversation (none: sessions are not checked). */
  sessions?: Sessions;
  preset: InsurerPreset;
  /** Epoch milliseconds; tests pass a fixed clock. */
  now?: () => number;
  /** A conversation idle longer than this starts afresh. Seconds. */
  idleSeconds?: number;
  /** Longest text answer accepted, in characters. */
  maxTextLength?: number;
  logger?: Logger;
  /** Told of every handled message (where it came, refused or not, how long): counted for operators. */
  telemetry?: Telemetry;
}

/** What became of one inbound event. */
export interface Handled {
  /** The replies, already handed to the channel's outlet (empty for a repeat of an event without replies). */
  out: Outbound[];
  /** Which batch of the conversation they were, or null when there were none. */
  batch: { epoch: string; batch: number } | null;
  /** The event had been handled before (a redelivery): nothing was run again. */
  duplicate: boolean;
  /** This turn attached an account to the conversation (a sign-in): a web chat rotates its session token. */
  signedIn: boolean;
}

export interface Engine {
  /** Handles one event of a conversation: one state read, one write, replies handed over after the write. */
  handle(inbound: Inbound): Promise<Handled>;
  /**
   * The account a conversation is signed in to right now (its session live), or null: for what a channel serves
   * outside a turn, such as the previews of the customer's own pictures.
   */
  accountOf(conversationId: string): Promise<string | null>;
}

/** Thrown when this instance's turn ran past its lease and another may have started: the save is not attempted. */
export class TurnLostError extends Error {
  override name = 'TurnLostError';
  constructor(readonly conversationId: string) {
    super(`turn of ${conversationId} outlived its lease`);
  }
}

/** Thrown when compare-and-set kept losing: another process is writing the same conversation in a loop. */
export class ConversationBusyError extends Error {
  override name = 'ConversationBusyError';
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} kept changing under us`);
  }
}

const CAS_ATTEMPTS = 5;
/** A conversation idle longer than this starts afresh. Seconds. */
export const DEFAULT_IDLE_SECONDS = 24 * 60 * 60;
const conversationKey = (id: string) => `conv:${id}`;

/**
 * Runs one event at a time per conversation, in arrival order across every instance (the turn lock), and saves
 * the new state together with its replies in one compare-and-set. A queued outlet's delivery job is announced
 * before the save and finds the batch once it lands; an inline outlet is written after it. So a turn's effects on
 * the conversation happen once: a redelivered event is not run again (its saved replies are handed over again,
 * and outlets deliver a batch once), and services a step calls take the event id as their idempotency key.
 */
export function createEngine<S>(options: EngineOptions<S>): Engine {
  const { store, lock, replies } = options;
  const now = options.now ?? Date.now;
  const idleSeconds = options.idleSeconds ?? DEFAULT_IDLE_SECONDS;
  const logger = options.logger ?? silentLogger;
  const telemetry = options.telemetry ?? noTelemetry;
  /** Counting is never worth a turn: the turn is saved by now, and its replies still have to go out. */
  const observe = (event: TelemetryEvent) => {
    try {
      telemetry.record(event);
    } catch (error) {
      logger.warn('telemetry failed', { error: describeError(error) });
    }
  };
  const conversation = createConversation({ ...options, now, maxTextLength: options.maxTextLength ?? 2000 });

  /** The conversation's latest saved batch, handed over again (a hand-over that died is finished now). */
  async function handOverLatest(
    conversationId: string,
    state: ConversationState,
  ): Promise<OutgoingBatch | null> {
    const { epoch, seq } = state.replies;
    if (seq === 0) return null;
    const stored = await store.get(batchKey({ conversationId, epoch, batch: seq }));
    if (!stored) return null;
    const latest = JSON.parse(stored.value) as OutgoingBatch;
    await replies.announce(latest);
    await replies.handOver(latest);
    return latest;
  }

  /** A repeat of a handled event: nothing runs again; its replies, if they are the latest, are handed over again. */
  async function repeat(inbound: Inbound, state: ConversationState): Promise<Handled> {
    const latest = await handOverLatest(inbound.conversationId, state);
    if (!latest || latest.eventId !== inbound.eventId)
      return { out: [], batch: null, duplicate: true, signedIn: false };
    const batch = { epoch: latest.epoch, batch: latest.batch };
    return { out: latest.out, batch, duplicate: true, signedIn: false };
  }

  async function handleOnce(inbound: Inbound, lease: TurnLease): Promise<Handled> {
    const key = conversationKey(inbound.conversationId);
    const started = performance.now(); // a duration: the monotonic clock, not the (settable) wall clock
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const stored = await store.get(key);
      let loaded = stored ? decodeState(stored.value) : null;
      if (loaded && !conversation.isLive(loaded)) loaded = null; // a step that no longer exists: start afresh
      if (loaded && lease.tookOver && attempt === 1) await handOverLatest(inbound.conversationId, loaded);
      if (loaded && inbound.eventId && loaded.seen.includes(inbound.eventId)) return repeat(inbound, loaded);
      const expired = loaded !== null && now() - loaded.activeAt > idleSeconds * 1000;
      // A message typed at a password question leaves the chat whatever becomes of it: accepted, refused,
      // read as a command, arriving after expiry, or met by an outage.
      const deleteSecret: Outbound[] =
        loaded && inbound.type === 'text' && inbound.messageId && conversation.asksForSecret(loaded)
          ? [{ type: 'delete-message', messageId: inbound.messageId }]
          : [];
      const turn: Turn & { failed?: true } = (await runSafely(loaded, expired, inbound)) ?? {
        // A step failed on our side: the customer keeps their place and hears an apology.
        state: loaded ?? conversation.fresh(matchLocale(inbound.localeHint, options.preset.languages)),
        out: conversation.apology(
          loaded?.locale ?? matchLocale(inbound.localeHint, options.preset.languages),
        ),
        failed: true,
      };
      const out = [...deleteSecret, ...turn.out];
      const { epoch, seq } = turn.state.replies;
      const next: ConversationState = {
        ...turn.state,
        seen: inbound.eventId ? pushBounded(turn.state.seen, inbound.eventId, SEEN_LIMIT) : turn.state.seen,
        activeAt: now(),
        replies: { epoch, seq: out.length > 0 ? seq + 1 : seq },
      };
      const batch: OutgoingBatch = {
        conversationId: inbound.conversationId,
        channel: inbound.channel,
        epoch,
        batch: next.replies.seq,
        eventId: inbound.eventId,
        out,
      };
      const announced = out.length > 0 && (await replies.announce(batch));
      if (lease.lost()) throw new TurnLostError(inbound.conversationId);
      // Kept past the idle limit so a returning customer is told their conversation expired.
      const also =
        out.length > 0
          ? { key: batchKey(batch), value: JSON.stringify(batch), ttlSeconds: BATCH_TTL_SECONDS }
          : undefined;
      const saved = await store.compareAndSet(
        key,
        stored?.version ?? 0,
        encodeState(next),
        idleSeconds * 2,
        also,
      );
      if (saved !== null) {
        const stood = loaded && !expired ? { flow: loaded.flow, step: loaded.step } : null;
        const moved = !stood || stood.flow !== next.flow || stood.step !== next.step;
        observe({
          type: 'turn',
          channel: inbound.channel,
          flow: stood?.flow ?? 'start',
          step: stood?.step ?? 'start',
          refused: turn.refused ?? null,
          failed: turn.failed === true,
          seconds: (performance.now() - started) / 1000,
          life: next.replies.epoch,
          seq: next.replies.seq,
          reached: moved ? { flow: next.flow, step: next.step } : null,
          finished: turn.finished ?? null,
        });
        const signedIn = next.session !== null && next.session !== loaded?.session;
        if (out.length === 0) return { out, batch: null, duplicate: false, signedIn };
        if (!announced) await replies.confirm(batch, saved);
        await replies.handOver(batch);
        return { out, batch: { epoch, batch: batch.batch }, duplicate: false, signedIn };
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
    // A holder skipped for an expired lease (`tookOver`) may have died between its save and its hand-over:
    // handleOnce hands the latest batch over again first.
    const lease = await lock.acquire(inbound.conversationId, inbound.order);
    try {
      return await handleOnce(inbound, lease);
    } finally {
      await lease.release().catch((error) =>
        logger.warn('turn lock release failed; the next turn waits for the lease to run out', {
          conversationId: inbound.conversationId,
          error: describeError(error),
        }),
      );
    }
  }

  async function accountOf(conversationId: string): Promise<string | null> {
    const stored = await store.get(conversationKey(conversationId));
    const state = stored ? decodeState(stored.value) : null;
    if (!state?.account || now() - state.activeAt > idleSeconds * 1000) return null;
    if (options.sessions && (await options.sessions.ended(state))) return null;
    return state.account;
  }

  // No local queue in front of the lock: a ticket taken on arrival is what keeps arrival order across instances.
  return { handle: lockedTurn, accountOf };
}
