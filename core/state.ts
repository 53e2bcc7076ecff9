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
  /** The language the customer chose or the channel hinted; null until known. */
  locale: Locale | null;
  /** Counts prompts; a button carries the turn it was shown at, so a tap on an older one is refused. */
  turn: number;
  /** Recent event ids, newest last, at most SEEN_LIMIT. */
  seen: string[];
  /** Epoch milliseconds of the last handled message; older than the idle limit means expired. */
  activeAt: number;
  /** Batches of replies saved so far; the latest is kept beside the state for redelivery. */
  outSeq: number;
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
    locale,
    turn: 0,
    seen: [],
    activeAt: now,
    outSeq: 0,
  };
}

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
    // `outSeq` came after version 2 was first written: state without it has sent nothing through outlets yet.
    return valid
      ? ({ ...s, outSeq: typeof s.outSeq === 'number' ? s.outSeq : 0 } as ConversationState)
      : null;
  } catch {
    return null;
  }
}

/** Appends keeping only the newest `limit` items. */
export const pushBounded = <T>(items: readonly T[], item: T, limit: number): T[] =>
  [...items, item].slice(-limit);
