import { describeError, type Logger } from './logger';
import type { Job, JobQueue } from './ports/job-queue';
import type { OutgoingBatch, Outlets } from './ports/outlet';
import type { StateStore } from './ports/state-store';

/** Where delivery of one conversation's batches stands: batches before `batch` are finished. */
interface Cursor {
  batch: number;
  /** Messages of `batch` already out. */
  sent: number;
}

export interface ReplyDeliveryOptions {
  outlets: Outlets;
  queue: JobQueue;
  /** Keeps each conversation's delivery cursor. */
  store: StateStore;
  logger: Logger;
  /** A batch given up for good (the chat is gone, or every retry failed): recorded by the caller. */
  onGivenUp?(batch: OutgoingBatch, reason: string): void;
  /** How long a batch waits for an earlier one still being delivered elsewhere before retrying later. Ms. */
  waitForEarlierMs?: number;
}

const CURSOR_TTL_SECONDS = 2 * 24 * 60 * 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown to retry later: an earlier batch of the same conversation is not out yet. */
class EarlierBatchPending extends Error {
  override name = 'EarlierBatchPending';
}

/**
 * Hands saved replies to their channel, exactly once and in order per conversation. Inline outlets (the web
 * inbox) are written at once; others go through the `reply` queue, whose jobs deliver batch n only after n-1 and
 * record progress after every message, so a crash, a retry or a second instance never repeats or reorders one.
 */
export function createReplyDelivery(options: ReplyDeliveryOptions) {
  const { outlets, queue, store, logger } = options;
  const waitForEarlierMs = options.waitForEarlierMs ?? 3000;
  const cursorKey = (conversationId: string) => `sent:${conversationId}`;

  async function readCursor(conversationId: string) {
    const stored = await store.get(cursorKey(conversationId));
    return { cursor: stored ? (JSON.parse(stored.value) as Cursor) : null, version: stored?.version ?? 0 };
  }

  /** Moves the cursor from `version`; fails loudly if someone else moved it (a duplicate job after an expiry). */
  async function moveCursor(conversationId: string, version: number, cursor: Cursor): Promise<number> {
    const saved = await store.compareAndSet(
      cursorKey(conversationId),
      version,
      JSON.stringify(cursor),
      CURSOR_TTL_SECONDS,
    );
    if (saved === null) throw new Error(`delivery cursor of ${conversationId} moved under us`);
    return saved;
  }

  /** Waits briefly for earlier batches; the cursor and its version once it is this batch's turn. */
  async function turnOf(batch: OutgoingBatch, lastAttempt: boolean) {
    const deadline = Date.now() + waitForEarlierMs;
    for (;;) {
      const read = await readCursor(batch.conversationId);
      // No cursor: the first batch since the conversation's delivery record expired, so nothing waits before it.
      if (!read.cursor || read.cursor.batch >= batch.batch) return read;
      if (lastAttempt) {
        logger.warn('reply delivered past an earlier batch that never came', {
          conversationId: batch.conversationId,
          batch: batch.batch,
          expected: read.cursor.batch,
        });
        return { cursor: null, version: read.version };
      }
      if (Date.now() > deadline) throw new EarlierBatchPending(`batch ${read.cursor.batch} is not out yet`);
      await sleep(50);
    }
  }

  async function deliverQueued(batch: OutgoingBatch, job: Job) {
    const outlet = outlets[batch.channel];
    const turn = await turnOf(batch, job.lastAttempt);
    if (turn.cursor && turn.cursor.batch > batch.batch) return; // delivered before (a repeated job)
    let version = turn.version;
    const from = turn.cursor?.batch === batch.batch ? turn.cursor.sent : 0;
    const finish = () => moveCursor(batch.conversationId, version, { batch: batch.batch + 1, sent: 0 });
    try {
      const outcome = await outlet.deliver(batch, from, async (sent) => {
        version = await moveCursor(batch.conversationId, version, { batch: batch.batch, sent });
      });
      if (outcome === 'gone') options.onGivenUp?.(batch, 'the chat cannot be reached');
      await finish();
    } catch (error) {
      if (!job.lastAttempt) throw error;
      // Every retry failed: record it and let the conversation's later replies through.
      options.onGivenUp?.(batch, describeError(error));
      await finish();
    }
  }

  return {
    /** Hands a saved batch to its outlet: at once when inline, else to the reply queue. Idempotent. */
    async dispatch(batch: OutgoingBatch): Promise<void> {
      if (batch.out.length === 0) return;
      const outlet = outlets[batch.channel];
      if (outlet.inline) {
        await outlet.deliver(batch, 0, async () => {});
        return;
      }
      await queue.send('reply', { ...batch }, `${batch.conversationId}#${batch.batch}`);
    },
    /** Starts delivering queued replies; call once per process. */
    work: () =>
      queue.work('reply', (job) => deliverQueued(job.data as unknown as OutgoingBatch, job), {
        groupOf: (data) => String(data.conversationId),
      }),
  };
}

export type ReplyDelivery = ReturnType<typeof createReplyDelivery>;
