import type { Engine } from './engine';
import type { ChannelName, Notice } from './messages';
import type { JobQueue, QueuedJob } from './ports/job-queue';

/** A notice on its way to one conversation. `id` makes it once-only: the same id is delivered once. */
interface NoticeJob {
  id: string;
  conversationId: string;
  channel: ChannelName;
  notice: Notice;
}

/**
 * Reaching a customer outside their own request: a notice is queued durably, then runs through the engine as an
 * event of the customer's conversation (same order, de-duplication and compare-and-set as a message), so it is
 * said between two turns, never inside one, and the customer keeps their place.
 */
export function createNotices(queue: JobQueue) {
  return {
    /** Queues `notice` for a conversation; `id` is its idempotency key (e.g. `decision:<case>`). */
    async send(id: string, conversationId: string, channel: ChannelName, notice: Notice): Promise<void> {
      const { data } = noticeJob(id, conversationId, channel, notice);
      await queue.send('notice', data, id);
    },
    /** Delivers queued notices through `engine`; call once per process. */
    work: (engine: Engine) =>
      queue.work('notice', async (job) => {
        const { id, conversationId, channel, notice } = job.data as unknown as NoticeJob;
        await engine.handle({
          type: 'notification',
          notice,
          conversationId,
          channel,
          eventId: `notice:${id}`,
        });
      }),
  };
}

export type Notices = ReturnType<typeof createNotices>;

/** A notice as a job, for a change of records to queue in its own transaction (see QueuedJob). */
export function noticeJob(
  id: string,
  conversationId: string,
  channel: ChannelName,
  notice: Notice,
): QueuedJob {
  const job: NoticeJob = { id, conversationId, channel, notice };
  return { queue: 'notice', data: { ...job }, key: id };
}
