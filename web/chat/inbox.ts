import { retryCompareAndSet } from '../../core/compare-and-set';
import type { Outbound } from '../../core/messages';
import type { Outlet } from '../../core/ports/outlet';
import type { StateStore } from '../../core/ports/state-store';

type Shown = Exclude<Outbound, { type: 'typing' } | { type: 'delete-message' }>;

/** What the page shows: the bot's messages, numbered so the page can ask for what came after. */
export type ChatMessage = Shown & {
  seq: number;
  /** The conversation's reply batch the message came in. */
  batch: number;
};

interface InboxState {
  /**
   * Names this inbox's life: drawn when it is made. The page keeps it with the numbers it has seen, and a different
   * one (state lost in a restart, a new conversation after an expiry) tells it to count from the start again
   * rather than ignore the new messages as old. '' for inboxes made before it existed.
   */
  life: string;
  seq: number;
  /** The conversation's life and newest batch appended: appending it (or an older one) again adds nothing. */
  epoch: string;
  batch: number;
  /** The last `seq` of an earlier life: batch numbers start again after it. */
  since: number;
  items: ChatMessage[];
}

const KEEP = 50;

type BatchRef = { epoch: string; batch: number };

const ofBatch = (inbox: InboxState, { epoch, batch }: BatchRef): ChatMessage[] =>
  epoch === inbox.epoch ? inbox.items.filter((m) => m.seq > inbox.since && m.batch === batch) : [];

/**
 * The web chat's recent bot messages per conversation, in the state store: replies and notices (a reviewer's
 * decision) both land here, and the page polls for what it has not seen. Customers' own messages are not kept:
 * they may hold personal data or secrets.
 */
export function createChatInbox(store: StateStore, ttlSeconds: number) {
  const keyOf = (conversationId: string) => `inbox:${conversationId}`;
  /** Pages of this instance waiting for a conversation's next message (long polling). */
  const waiting = new Map<string, Set<() => void>>();
  const wake = (conversationId: string) => {
    for (const resume of waiting.get(conversationId) ?? []) resume();
  };
  const decode = (value: string | undefined): InboxState =>
    value
      ? { life: '', epoch: '', batch: 0, since: 0, ...JSON.parse(value) }
      : { life: crypto.randomUUID(), seq: 0, epoch: '', batch: 0, since: 0, items: [] };

  return {
    /** Appends one batch of replies, once however often it is delivered; returns its messages as numbered. */
    async append(
      conversationId: string,
      { epoch, batch }: BatchRef,
      messages: Outbound[],
    ): Promise<ChatMessage[]> {
      const shown = messages.filter((m): m is Shown => m.type !== 'typing' && m.type !== 'delete-message');
      let added: ChatMessage[] = [];
      await retryCompareAndSet(store, keyOf(conversationId), (current) => {
        const inbox = decode(current);
        if (epoch === inbox.epoch && batch <= inbox.batch) {
          added = ofBatch(inbox, { epoch, batch });
          return null;
        }
        added = shown.map((m, i) => ({ ...m, seq: inbox.seq + i + 1, batch }));
        const next: InboxState = {
          life: inbox.life,
          seq: inbox.seq + added.length,
          epoch,
          batch,
          since: epoch === inbox.epoch ? inbox.since : inbox.seq,
          items: [...inbox.items, ...added].slice(-KEEP),
        };
        return { value: JSON.stringify(next), ttlSeconds };
      });
      if (added.length > 0) wake(conversationId);
      return added;
    },
    /**
     * Resolves when this instance adds to the conversation's inbox, after `ms`, or when a signal aborts, whichever
     * comes first. Another instance's additions are not heard: a waiter looks again after `ms` for those.
     */
    changed(conversationId: string, ms: number, signals: AbortSignal[]): Promise<void> {
      return new Promise((resolve) => {
        const waiters = waiting.get(conversationId) ?? new Set();
        waiting.set(conversationId, waiters);
        // Listeners are removed when done: a long-lived signal (the instance's stop) gathers none.
        const done = () => {
          clearTimeout(timer);
          for (const signal of signals) signal.removeEventListener('abort', done);
          waiters.delete(done);
          if (waiters.size === 0 && waiting.get(conversationId) === waiters) waiting.delete(conversationId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        for (const signal of signals) signal.addEventListener('abort', done);
        waiters.add(done);
        if (signals.some((s) => s.aborted)) done();
      });
    },
    /** The messages of one batch, as the page shows them, and the inbox's life (null: none yet). */
    async ofBatch(
      conversationId: string,
      ref: BatchRef,
    ): Promise<{ messages: ChatMessage[]; life: string | null }> {
      const stored = await store.get(keyOf(conversationId));
      return {
        messages: ofBatch(decode(stored?.value), ref),
        life: stored ? decode(stored.value).life : null,
      };
    },
    /** Messages numbered after `after` in the inbox's life (null: none yet), oldest first. */
    async since(
      conversationId: string,
      after: number,
    ): Promise<{ messages: ChatMessage[]; life: string | null }> {
      const stored = await store.get(keyOf(conversationId));
      if (!stored) return { messages: [], life: null };
      const inbox = decode(stored.value);
      return { messages: inbox.items.filter((m) => m.seq > after), life: inbox.life };
    },
  };
}

export type ChatInbox = ReturnType<typeof createChatInbox>;

/** The web chat's outlet: a reply is delivered once it is in the session's inbox, where the page reads it. */
export function createWebOutlet(inbox: ChatInbox): Outlet {
  return {
    inline: true,
    async deliver(batch) {
      await inbox.append(batch.conversationId, batch, batch.out);
      return 'delivered';
    },
  };
}
