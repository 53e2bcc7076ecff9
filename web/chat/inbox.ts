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
  const decode = (value: string | undefined): InboxState =>
    value
      ? { epoch: '', batch: 0, since: 0, ...JSON.parse(value) }
      : { seq: 0, epoch: '', batch: 0, since: 0, items: [] };

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
          seq: inbox.seq + added.length,
          epoch,
          batch,
          since: epoch === inbox.epoch ? inbox.since : inbox.seq,
          items: [...inbox.items, ...added].slice(-KEEP),
        };
        return { value: JSON.stringify(next), ttlSeconds };
      });
      return added;
    },
    /** The messages of one batch, as the page shows them. */
    async ofBatch(conversationId: string, ref: BatchRef): Promise<ChatMessage[]> {
      const stored = await store.get(keyOf(conversationId));
      return ofBatch(decode(stored?.value), ref);
    },
    /** Messages numbered after `after`, oldest first. */
    async since(conversationId: string, after: number): Promise<ChatMessage[]> {
      const stored = await store.get(keyOf(conversationId));
      return decode(stored?.value).items.filter((m) => m.seq > after);
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
