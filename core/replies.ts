import { describeError, type Logger } from './logger';
import type { Job, JobQueue } from './ports/job-queue';
import type { BatchRef, OutgoingBatch, Outlets } from './ports/outlet';
import type { StateStore } from './ports/state-store';
import type { TurnLease, TurnLock } from './ports/turn-lock';

/** Where delivery of one conversation's batches stands: batches of `epoch` before `batch` are finished. */
interface Cursor {
  epoch: string;
  batch: number;
  /** Messages of `batch` already out. */
  sent: number;
}

export interface ReplyDeliveryOptions {
  outlets: Outlets;
  queue: JobQueue;
  /**
   * One deliverer per conversation at a time, across instances: a ticket lock on keys of its own whose lease is
   * DELIVERY_LEASE_MS, so it outlasts a store outage its holder rides out to record a message it sent.
   */
  lock: TurnLock;
  /** Holds the saved batches (written by the engine) and each conversation's delivery cursor. */
  store: StateStore;
  logger: Logger;
  /** A batch given up for good (the chat is gone, or every retry failed): recorded by the caller. */
  onGivenUp?(batch: OutgoingBatch, reason: string): void;
  /** How long a job waits for its batch to be saved before retrying. Ms. */
  patienceMs?: number;
}

/** A saved batch is kept this long: its job finds it well within, and a redelivered event for a while. Seconds. */
export const BATCH_TTL_SECONDS = 60 * 60;
const CURSOR_TTL_SECONDS = 2 * 24 * 60 * 60;
/** The most batches one job delivers on behalf of earlier ones. */
const CATCH_UP_LIMIT = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the engine saves a batch, beside the conversation's state and in the same write. */
export const batchKey = (ref: Pick<BatchRef, 'conversationId' | 'epoch' | 'batch'>) =>
  `out:${ref.conversationId}:${ref.epoch}:${ref.batch}`;

/**
 * The delivery lock's lease. Its holder keeps trying to record a message it sent until its lease may have run out
 * (no renewal for 3/4 of it: 30 s), so the next deliverer, let in only once the lease has run out in the store,
 * reads the cursor after that record or after the holder gave up. Shorter (the turn lock's 10 s) and a 10 s Redis
 * outage between a send and its record let the conversation's next job in first: the message went twice.
 */
export const DELIVERY_LEASE_MS = 40_000;

/** Thrown to retry a job later: its batch is not saved yet, or its delivery lock was lost. */
class NotYet extends Error {
  override name = 'NotYet';
}

/**
 * Hands saved replies to their channel, once and in order per conversation. A queued outlet's job is announced
 * before the turn is saved and names the batch, which it reads once the save lands (so no crash between save and
 * queue can lose it, and no personal data sits in the job table); an inline outlet (the web inbox) is written
 * right after the save. Delivery records its progress after every message, so a retry resumes after the last
 * message out; one whose send was in flight when its instance died may go twice (the Bot API has no idempotency
 * key), never one that was recorded.
 */
export function createReplyDelivery(options: ReplyDeliveryOptions) {
  const { outlets, queue, store, lock, logger } = options;
  const patienceMs = options.patienceMs ?? 1000;
  const cursorKey = (conversationId: string) => `sent:${conversationId}`;

  async function readCursor(conversationId: string) {
    const stored = await store.get(cursorKey(conversationId));
    return { cursor: stored ? (JSON.parse(stored.value) as Cursor) : null, version: stored?.version ?? 0 };
  }

  /**
   * Moves the cursor from `version`, riding out a store outage while its lease holds (DELIVERY_LEASE_MS): the message is out, and
   * a failed write here would send it again on retry (measured: a Telegram menu sent twice when Redis stopped
   * between the send and its record). Fails at once if someone else moved it: a second delivery of the same job
   * after an expiry.
   */
  async function moveCursor(
    conversationId: string,
    version: number,
    cursor: Cursor,
    lease: TurnLease,
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const saved = await store.compareAndSet(
          cursorKey(conversationId),
          version,
          JSON.stringify(cursor),
          CURSOR_TTL_SECONDS,
        );
        if (saved === null) throw new Error(`delivery cursor of ${conversationId} moved under us`);
        return saved;
      } catch (error) {
        if (lease.lost() || /moved under us/.test(String(error))) throw error;
        await sleep(Math.min(1000, 200 * attempt));
      }
    }
  }

  /** The saved batch, waiting a little for a save still in flight; null when it was never saved. */
  async function savedBatch(ref: BatchRef, waitMs = patienceMs): Promise<OutgoingBatch | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const stored = await store.get(batchKey(ref));
      if (stored) return JSON.parse(stored.value) as OutgoingBatch;
      if (Date.now() > deadline) return null;
      await sleep(25);
    }
  }

  /**
   * Delivers every saved batch of the conversation not yet out, up to and including `ref`, holding the
   * conversation's delivery lock: a job never waits for an earlier batch's job (which may have died with its
   * instance), it delivers that batch itself; the other job then finds nothing left to do.
   */
  async function deliverQueued(ref: BatchRef, job: Job) {
    const own = await savedBatch(ref);
    if (!own) {
      // The turn that announced it never saved (it failed, or lost its turn and ran again under another number).
      if (job.lastAttempt) return;
      throw new NotYet(`batch ${ref.batch} is not saved`);
    }
    const lease = await lock.acquire(`deliver:${ref.conversationId}`);
    try {
      let { cursor, version } = await readCursor(ref.conversationId);
      // A job of an earlier life of the conversation (epochs begin with their time) has nothing left to do.
      if (cursor && cursor.epoch > ref.epoch) return;
      // A new life starts at 1; a cursor lost with its key (days idle) resumes a short way back.
      if (cursor?.epoch !== ref.epoch) cursor = { epoch: ref.epoch, batch: 1, sent: 0 };
      if (cursor.batch < ref.batch - CATCH_UP_LIMIT)
        cursor = { ...cursor, batch: ref.batch - CATCH_UP_LIMIT, sent: 0 };
      for (let n = cursor.batch; n <= ref.batch; n++) {
        const batch = n === ref.batch ? own : await savedBatch({ ...ref, batch: n }, 0);
        const from = n === cursor.batch ? cursor.sent : 0;
        if (batch && !lease.lost()) version = await deliverOne(batch, from, version, job, lease);
        else if (!batch)
          logger.warn('reply batch expired before delivery', {
            conversationId: ref.conversationId,
            batch: n,
          });
        else throw new NotYet('the delivery lock was lost');
        version = await moveCursor(
          ref.conversationId,
          version,
          { epoch: ref.epoch, batch: n + 1, sent: 0 },
          lease,
        );
      }
    } finally {
      await lease.release();
    }
  }

  /** One batch from message `from` on; returns the cursor's version after the progress recorded. */
  async function deliverOne(batch: OutgoingBatch, from: number, version: number, job: Job, lease: TurnLease) {
    const { conversationId, epoch } = batch;
    try {
      const outcome = await outlets[batch.channel].deliver(
        batch,
        from,
        async (sent) => {
          version = await moveCursor(conversationId, version, { epoch, batch: batch.batch, sent }, lease);
        },
        job.deadline,
      );
      if (outcome === 'gone') options.onGivenUp?.(batch, 'the chat cannot be reached');
    } catch (error) {
      if (!job.lastAttempt) throw error;
      // Every retry failed: record it and let the conversation's later replies through.
      options.onGivenUp?.(batch, describeError(error));
    }
    return version;
  }

  /** A reply job names its batch, never carries it; `suffix` tells apart a second job for the same number. */
  const queueJob = ({ conversationId, channel, epoch, batch }: BatchRef, suffix: string) =>
    queue.send(
      'reply',
      { conversationId, channel, epoch, batch },
      `${conversationId}#${epoch}#${batch}${suffix}`,
    );

  return {
    /**
     * Before the save: a queued outlet's job for the batch, which waits for the save. Idempotent; false when a
     * job of that number was queued before (this turn ran again, or an earlier turn announced the number and
     * never saved, whose job may have given up by now): then `confirm` after the save.
     */
    async announce(ref: BatchRef): Promise<boolean> {
      return outlets[ref.channel].inline || queueJob(ref, '');
    },
    /** After a save whose announcement found its number taken: a job of its own (`version` is the save's). */
    async confirm(ref: BatchRef, version: number): Promise<void> {
      await queueJob(ref, `#v${version}`);
    },
    /** After the save: an inline outlet writes the batch now. Idempotent. */
    async handOver(batch: OutgoingBatch): Promise<void> {
      const outlet = outlets[batch.channel];
      if (outlet.inline) await outlet.deliver(batch, 0, async () => {}, Number.POSITIVE_INFINITY);
    },
    /** Starts delivering queued replies; call once per process. */
    work: () => queue.work('reply', (job) => deliverQueued(job.data as unknown as BatchRef, job)),
  };
}

export type ReplyDelivery = ReturnType<typeof createReplyDelivery>;
export type ReplyHandOver = Pick<ReplyDelivery, 'announce' | 'confirm' | 'handOver'>;
