import { type SQL, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { JobQueue, QueuedJob } from '../../core/ports/job-queue';
import type { Database } from '../database';
import { rowsOf } from '../rows';
import type { PgBossQueue } from './pg-boss-queue';

/**
 * How a repository queues the jobs a change of records names, in the change's own transaction (the transactional
 * outbox, with pg-boss's table as the outbox): `within` runs inside the transaction, `committed` after it.
 */
export interface JobWriter {
  within(tx: Database, jobs: QueuedJob[]): Promise<void>;
  committed(jobs: QueuedJob[]): Promise<void>;
}

/** pg-boss on the same database: the jobs are rows written by the transaction itself. */
export function transactionalJobWriter(queue: PgBossQueue): JobWriter {
  return {
    within: (tx, jobs) => queue.sendWithin(executorWithin(tx), jobs),
    async committed() {
      queue.wake();
    },
  };
}

/**
 * The in-process twin (tests with the memory queue): jobs are sent once the transaction has committed. A crash in
 * between would lose them, which in one test process is no crash anyone survives.
 */
export function afterCommitJobWriter(queue: JobQueue): JobWriter {
  return {
    async within() {},
    async committed(jobs) {
      for (const job of jobs)
        await queue.send(job.queue, job.data, job.key, job.startAfter ? { startAfter: job.startAfter } : {});
    },
  };
}

/** For records used without a queue (reads, direct changes in tests): a change naming jobs is a defect there. */
export const noJobWriter: JobWriter = {
  async within(_tx, jobs) {
    if (jobs.length > 0) throw new Error(`no job queue to queue ${jobs.map((j) => j.queue).join(', ')} on`);
  },
  async committed() {},
};

/**
 * pg-boss's statements (`$1`-numbered parameters) run through a drizzle transaction, on Postgres and PGlite
 * alike: each `$n` becomes a bound parameter of drizzle's own.
 */
export function executorWithin(tx: Database): PgBoss.Db {
  return {
    async executeSql(text, values) {
      // Fine for pg-boss's insert (the only statement sent this way); a `$1` inside a quoted literal would be
      // taken for a parameter, so such a statement is refused rather than silently changed.
      const literals = text.match(/'(?:[^']|'')*'/g) ?? [];
      if (literals.some((literal) => /\$\d/.test(literal)) || /\$\w*\$/.test(text))
        throw new Error('executorWithin: a $ inside a quoted literal');
      const parts = text.split(/\$(\d+)/);
      const chunks: SQL[] = parts.map((part, i) =>
        i % 2 === 0 ? sql.raw(part) : sql`${bindable(values[Number(part) - 1])}`,
      );
      const result = (await tx.execute(sql.join(chunks))) as unknown;
      return { rows: rowsOf(result) };
    },
  };
}

/** Drivers differ on objects; pg-boss means them as JSON. Undefined is SQL's null. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  // Arrays and bytes would need driver-specific types; pg-boss's insert passes neither.
  if (Array.isArray(value) || value instanceof Uint8Array)
    throw new Error('executorWithin: arrays and bytes are not bound here');
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
