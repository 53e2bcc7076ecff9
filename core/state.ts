import type { FlowData } from './flow';
import { isLocale, type Locale } from './i18n';

/** Bumped when the shape changes; state of another version is dropped and the customer greeted afresh. */
export const STATE_VERSION = 2;
/** How many earlier steps /back can return to. */
export const BACK_LIMIT = 16;
/** How many recent event ids are remembered per conversation to drop redelivered updates. */
export const SEEN_LIMIT = 32;

/**
 * One conversation, small and bounded whatever the dialogue's length: one read and one write per message.
 * Secrets typed by the customer never enter it.
 */
export interface ConversationState {
  v: typeof STATE_VERSION;
  flow: string;
  step: string;
  data: FlowData;
  /** Earlier `flow/step` positions, newest last, at most BACK_LIMIT. */
  back: string[];
  /** The account this conversation registered or signed in to; null for a guest. */
  account: string | null;
  /** The session holding `account` (checked at every message; ends at sign-out or a password change). */
  session: string | null;
  /** The language the customer chose or the channel hinted; null until known. */
  locale: Locale | null;
  /** Counts prompts; a button carries the turn it was shown at, so a tap on an older one is refused. */
  turn: number;
  /** Recent event ids, newest last, at most SEEN_LIMIT. */
  seen: string[];
  /** Epoch milliseconds of the last handled message; older than the idle limit means expired. */
  activeAt: number;
  /**
   * Reply batches saved so far (`seq`), numbered within `epoch`, which is new whenever the conversation starts
   * afresh: delivery orders batches by (epoch, seq), so a restarted conversation's batch 1 is never mistaken for
   * one delivered long ago. The latest batch is kept beside the state for redelivery.
   */
  replies: { epoch: string; seq: number };
  /** The flow whose journey this one continues (its `leadsTo`): progress counts that flow's steps first. */
  journey?: string;
}

export function freshState(
  flow: string,
  step: string,
  locale: Locale | null,
  now: number,
): ConversationState {
  return {
    v: STATE_VERSION,
    flow,
    step,
    data: {},
    back: [],
    account: null,
    session: null,
    locale,
    turn: 0,
    seen: [],
    activeAt: now,
    replies: { epoch: newEpoch(), seq: 0 },
  };
}

/**
 * Names one life of a conversation: its start time (base 36, fixed width, so later lives sort after earlier ones)
 * and 64 random bits.
 */
const newEpoch = () =>
  Date.now().toString(36).padStart(9, '0') +
  [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');

export const encodeState = (state: ConversationState): string => JSON.stringify(state);

/** Parses stored state; anything unreadable or of another version is treated as absent, never crashed on. */
export function decodeState(raw: string): ConversationState | null {
  try {
    const s = JSON.parse(raw) as Partial<ConversationState>;
    const valid =
      s.v === STATE_VERSION &&
      typeof s.flow === 'string' &&
      typeof s.step === 'string' &&
      typeof s.data === 'object' &&
      s.data !== null &&
      Array.isArray(s.back) &&
      Array.isArray(s.seen) &&
      typeof s.turn === 'number' &&
      typeof s.activeAt === 'number' &&
      (s.account === null || typeof s.account === 'string') &&
      (s.locale === null || isLocale(s.locale));
    if (!valid) return null;
    // `replies` came after version 2 was first written: such state has handed nothing to an outlet yet.
    const replies =
      typeof s.replies?.epoch === 'string' && typeof s.replies.seq === 'number'
        ? s.replies
        : { epoch: newEpoch(), seq: 0 };
    // So did `session`: an account held without one is signed out at its next message.
    return { ...s, replies, session: typeof s.session === 'string' ? s.session : null } as ConversationState;
  } catch {
    return null;
  }
}

/** Appends keeping only the newest `limit` items. */
export const pushBounded = <T>(items: readonly T[], item: T, limit: number): T[] =>
  [...items, item].slice(-limit);
