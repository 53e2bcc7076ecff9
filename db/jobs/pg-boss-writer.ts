import { insertJob } from 'pg-boss/src/plans.js';
import type { JobQueue } from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';
import type { Database } from '../database';
import { JOBS_QUEUED_CHANNEL, jobIdOf, sealJob } from './job-rows';
import { executorWithin, type JobWriter } from './job-writer';

const INSERT = insertJob('pgboss');

/**
 * Queues jobs without running any: for a runtime where pg-boss cannot run (a Cloudflare Worker: no timers outside
 * a request, no long-lived connections). It writes pg-boss's own row, with pg-boss's own statement, into the table
 * the Node instances' pg-boss works from: the same id from the key, the same sealed data, the queue's retry
 * settings; and says so on JOBS_QUEUED_CHANNEL, so Node's workers look at once rather than at their next poll.
 *
 * The records' own transactions queue their jobs through `jobs` (the transactional outbox, as on Node).
 */
export function createPgBossWriter(db: Database, sealer: Sealer): { queue: JobQueue; jobs: JobWriter } {
  const write = async (
    executor: ReturnType<typeof executorWithin>,
    queue: string,
    data: Record<string, unknown>,
    key: string,
    startAfter?: Date,
  ) => {
    const q = queue as Parameters<JobQueue['send']>[0];
    const values = [
      jobIdOf(q, key), // id
      q, // name
      await sealJob(sealer, q, data), // data
      null, // priority
      startAfter ? startAfter.toISOString() : null, // start_after
      null, // singleton_key
      null, // singleton_seconds
      0, // singleton offset
      null, // dead_letter
      // expire_in, keep_until, retry limit, delay and backoff (and their defaults): the queue's own settings
      ...Array(10).fill(null),
    ];
    const { rows } = await executor.executeSql(INSERT, values);
    if (rows.length === 1) {
      // Delivered when the transaction commits (at once outside one), never for a change rolled back.
      await executor.executeSql('SELECT pg_notify($1, $2)', [JOBS_QUEUED_CHANNEL, q]);
      return true;
    }
    // Nothing inserted: the job is there already (the same key), or its queue is not (pg-boss's insert joins the
    // queue's row). The second must fail loudly, rolling back the change that named the job, not pass for the first.
    const queues = await executor.executeSql('SELECT 1 FROM pgboss.queue WHERE name = $1', [q]);
    if (queues.rows.length === 0)
      throw new Error(`no job queue "${q}": a Node instance makes the queues when it starts`);
    return false;
  };
  const queue: JobQueue = {
    send: (name, data, key, options) => write(executorWithin(db), name, data, key, options?.startAfter),
    work: async (name) => {
      throw new Error(`jobs of ${name} run on the Node side`);
    },
    // What is queued is the Node side's to count (its /readyz and `settled`).
    pending: async () => 0,
    stop: async () => {},
  };
  const jobs: JobWriter = {
    async within(tx, queued) {
      for (const job of queued) await write(executorWithin(tx), job.queue, job.data, job.key, job.startAfter);
    },
    async committed() {},
  };
  return { queue, jobs };
}
