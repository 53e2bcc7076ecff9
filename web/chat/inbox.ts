import type { Outbound } from '../../core/messages';
import type { StateStore } from '../../core/ports/state-store';

/** What the page shows: the bot's messages, numbered so the page can ask for what came after. */
export type ChatMessage = Exclude<Outbound, { type: 'typing' } | { type: 'delete-message' }> & {
  seq: number;
};

interface InboxState {
  seq: number;
  items: ChatMessage[];
}

const KEEP = 50;
const CAS_ATTEMPTS = 5;

/**
 * The web chat's recent bot messages per session, in the state store: replies and notifications sent later
 * (a reviewer's decision) both land here, and the page polls for what it has not seen. Customers' own
 * messages are not kept: they may hold personal data or secrets.
 */
export function createChatInbox(store: StateStore, ttlSeconds: number) {
  const keyOf = (sessionId: string) => `inbox:${sessionId}`;

  async function read(sessionId: string) {
    const stored = await store.get(keyOf(sessionId));
    const inbox: InboxState = stored ? JSON.parse(stored.value) : { seq: 0, items: [] };
    return { inbox, version: stored?.version ?? 0 };
  }

  return {
    /** Appends the messages a page should show and returns them numbered. */
    async append(sessionId: string, messages: Outbound[]): Promise<ChatMessage[]> {
      const shown = messages.filter(
        (m): m is Exclude<Outbound, { type: 'typing' } | { type: 'delete-message' }> =>
          m.type !== 'typing' && m.type !== 'delete-message',
      );
      if (shown.length === 0) return [];
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const { inbox, version } = await read(sessionId);
        const added = shown.map((m, i) => ({ ...m, seq: inbox.seq + i + 1 }));
        const next: InboxState = {
          seq: inbox.seq + added.length,
          items: [...inbox.items, ...added].slice(-KEEP),
        };
        if (
          (await store.compareAndSet(keyOf(sessionId), version, JSON.stringify(next), ttlSeconds)) !== null
        ) {
          return added;
        }
      }
      throw new Error(`chat inbox ${sessionId} kept changing under us`);
    },
    /** Messages numbered after `after`, oldest first. */
    async since(sessionId: string, after: number): Promise<ChatMessage[]> {
      const { inbox } = await read(sessionId);
      return inbox.items.filter((m) => m.seq > after);
    },
  };
}

export type ChatInbox = ReturnType<typeof createChatInbox>;
