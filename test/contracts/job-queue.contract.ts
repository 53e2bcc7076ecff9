import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobData, JobQueue } from '../../core/ports/job-queue';

export interface JobQueueHarness {
  queue: JobQueue;
  close(): Promise<void>;
}

const waitFor = async (check: () => boolean, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * One behaviour, two implementations. Retry delays are the queues' own (seconds), so the retry case is slow by
 * design; the queue names are the product's.
 */
export function jobQueueContract(name: string, open: () => Promise<JobQueueHarness>) {
  describe(`JobQueue contract: ${name}`, () => {
    let harness: JobQueueHarness;
    const seen: { data: JobData; job: Job }[] = [];
    const failuresLeft = new Map<string, number>();
    const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`;

    beforeAll(async () => {
      harness = await open();
      await harness.queue.work('notice', async (job) => {
        const id = String(job.data.id);
        if (job.data.run !== run) return;
        seen.push({ data: job.data, job });
        const left = failuresLeft.get(id) ?? 0;
        if (left > 0) {
          failuresLeft.set(id, left - 1);
          throw new Error('transient');
        }
      });
    });
    afterAll(async () => harness?.close());

    const ofId = (id: string) => seen.filter((s) => s.data.id === id);

    it('runs a queued job once, however often the same key is sent', async () => {
      await Promise.all(
        [1, 2, 3].map(() => harness.queue.send('notice', { run, id: 'once', group: 'a' }, 'once')),
      );
      await waitFor(() => ofId('once').length > 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ofId('once')).toHaveLength(1);
      expect(ofId('once')[0]?.job).toMatchObject({ retries: 0, lastAttempt: false });
    });

    it('says whether a send queued the job or found its key taken', async () => {
      expect(await harness.queue.send('notice', { run, id: 'first' }, 'first-key')).toBe(true);
      expect(await harness.queue.send('notice', { run, id: 'again' }, 'first-key')).toBe(false);
      await waitFor(() => ofId('first').length === 1);
      expect(ofId('again')).toEqual([]);
    });

    it('runs a job queued for later no sooner than asked', async () => {
      const sentAt = Date.now();
      await harness.queue.send('notice', { run, id: 'later' }, 'later', {
        startAfter: new Date(sentAt + 1500),
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(ofId('later')).toEqual([]);
      await waitFor(() => ofId('later').length === 1);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1400);
    }, 20_000);

    it('retries a job that failed, telling the handler which try it is', async () => {
      failuresLeft.set('flaky', 1);
      await harness.queue.send('notice', { run, id: 'flaky' }, 'flaky');
      await waitFor(() => ofId('flaky').length === 2);
      expect(ofId('flaky').map((s) => s.job.retries)).toEqual([0, 1]);
    }, 20_000);
  });
}
