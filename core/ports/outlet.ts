import type { ChannelName, Outbound } from '../messages';

/**
 * Names one batch of replies: one turn's (or one notice's), numbered from 1 in the order they were saved, within
 * the conversation's current life (`epoch`, new when it starts afresh after expiring).
 */
export interface BatchRef {
  conversationId: string;
  channel: ChannelName;
  epoch: string;
  batch: number;
}

/** A batch with its messages, as saved beside the conversation's state. */
export interface OutgoingBatch extends BatchRef {
  /** The inbound event that produced it, so a redelivered event finds its replies again. */
  eventId?: string;
  out: Outbound[];
}

/**
 * Where a channel's messages go out; one per channel in the composition root's table (grammY's adapters table
 * has the same shape). Replies reach an outlet only once their turn is saved.
 */
export interface Outlet {
  /**
   * True when delivering is a write to our own store (the web chat's inbox): done within the turn. False for a
   * third party's API with limits and outages (Telegram): through the durable reply queue, with retries.
   */
  inline: boolean;
  /**
   * Delivers the batch's messages from index `from` on, in order, calling `progress(n)` once the first n are
   * out, so a retry resumes after them. Starts no message after `deadline` (epoch ms): throws instead, and the
   * retry goes on. 'gone': the chat can never be reached (the customer blocked the bot); the batch is given up.
   * Throws on a transient failure, which is retried. Delivering the same batch again must not repeat it.
   */
  deliver(
    batch: OutgoingBatch,
    from: number,
    progress: (sent: number) => Promise<void>,
    deadline: number,
  ): Promise<'delivered' | 'gone'>;
}

export type Outlets = Record<ChannelName, Outlet>;
