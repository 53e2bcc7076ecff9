import PgBoss from 'pg-boss';
import { describeError, type Logger } from '../../core/logger';
import {
  type JobData,
  type JobQueue,
  type QueuedJob,
  type QueueName,
  type QueueSettings,
  queueSettings,
} from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';
import { jobIdOf, openJob, sealJob } from './job-rows';

/** Where pg-boss keeps its tables: a Postgres server by URL, or any executor (PGlite through `pgliteExecutor`). */
export type JobsConnection = { connectionString: string } | { db: PgBoss.Db };

export interface PgBossQueueOptions {
  connection: JobsConnection;
  logger: Logger;
  /** Seals each job's data (AES-GCM under DATA_KEY): the job table holds contacts and conversation ids. */
  sealer: Sealer;
  settings?: Record<QueueName, QueueSettings>;
  /** How often an idle worker looks for jobs queued by other instances. Seconds, ≥ 0.5. */
  pollingIntervalSeconds?: number;
  /**
   * How often jobs of a dead process are looked for (and retried once past their expiry). One instance does it
   * per interval (pg-boss takes turns through the database). Seconds.
   */
  maintenanceIntervalSeconds?: number;
  /** Workers per queue, each running one job at a time. */
  workersPerQueue?: number;
}

/**
 * pg-boss 10 (the last line that runs on Node 20) behind the JobQueue port. Jobs are rows in Postgres (or
 * PGlite): a crash or deploy loses none, and any instance takes over a dead one's jobs once they expire. A key
 * becomes the job's id (a UUID derived from it), so a second send of the same key is an insert that does nothing.
 */
export interface PgBossQueue extends JobQueue {
  /** Queues `jobs` through `db`, a transaction's connection: they exist once it commits, and not if it does not. */
  sendWithin(db: PgBoss.Db, jobs: QueuedJob[]): Promise<void>;
  /** Tells this instance's workers to look now (after a transaction that queued jobs has committed). */
  wake(): void;
}

export async function createPgBossQueue(options: PgBossQueueOptions): Promise<PgBossQueue> {
  const { logger } = options;
  const settings = options.settings ?? queueSettings;
  const boss = new PgBoss({
    ...options.connection,
    max: 4,
    schema: 'pgboss',
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
    archiveCompletedAfterSeconds: 12 * 60 * 60,
  } as PgBoss.ConstructorOptions);
  boss.on('error', (error) => logger.warn('job queue error', { error: describeError(error) }));
  await boss.start();
  for (const [name, s] of Object.entries(settings)) {
    const queue = {
      name,
      policy: 'standard' as const,
      retryLimit: s.retryLimit,
      retryDelay: s.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: s.expireInSeconds,
    };
    // Instances starting together on a new database create the same queues at once, and Postgres may pick
    // one of them as a deadlock victim (40P01): it tries again, finding the queue made.
    await retryOnDeadlock(async () => {
      await boss.createQueue(name, queue);
      await boss.updateQueue(name, queue); // settings changed since the queue was first made
    });
  }
  const workers: string[] = [];
  const seal = (queue: QueueName, data: JobData) => sealJob(options.sealer, queue, data);
  const open = (queue: QueueName, stored: { sealed: string }) => openJob(options.sealer, queue, stored);

  const wake = () => {
    for (const worker of workers) boss.notifyWorker(worker);
  };
  const sendOne = async (job: QueuedJob, db?: PgBoss.Db) =>
    boss.send(job.queue, await seal(job.queue, job.data), {
      id: jobIdOf(job.queue, job.key),
      ...(job.startAfter ? { startAfter: job.startAfter } : {}),
      ...(db ? { db } : {}),
    });

  return {
    async send(queue, data, key, sendOptions) {
      const id = await sendOne({ queue, data, key, ...sendOptions });
      // Wake this instance's workers rather than wait for their next look.
      wake();
      return id !== null;
    },

    async sendWithin(db, jobs) {
      for (const job of jobs) await sendOne(job, db);
    },

    wake,

    async work(queue, handler) {
      // One job per fetch: pg-boss completes (or, past its expiry, fails) every job of a fetch when the fetch's
      // callback ends, which for a batch would also hit a sibling that failed meanwhile and is running again
      // elsewhere. Several workers give the concurrency instead.
      const mine: string[] = [];
      const run = async ([job]: PgBoss.JobWithMetadata<{ sealed: string }>[]) => {
        if (!job) return;
        try {
          await handler({
            data: await open(queue, job.data),
            retries: job.retryCount,
            lastAttempt: job.retryCount >= job.retryLimit,
            // Done well inside the job's expiry, after which it counts as dead and runs again elsewhere.
            deadline: Date.now() + job.expireInSeconds * 600,
          });
        } finally {
          // A worker that found a job looks again at once (pg-boss would wait out its polling interval after
          // each fetch): a backlog drains at the workers' pace, not one job a second each.
          for (const id of mine) boss.notifyWorker(id);
        }
      };
      for (let i = 0; i < (options.workersPerQueue ?? 4); i++) {
        mine.push(
          await boss.work<{ sealed: string }>(
            queue,
            {
              batchSize: 1,
              pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
              includeMetadata: true,
            },
            run,
          ),
        );
      }
      workers.push(...mine);
    },

    async pending() {
      // Not pg-boss's getQueueSize: that counts a reminder due tomorrow as work waiting now. A retry waiting out
      // its delay is work in flight; a job created for later is not, until it comes due.
      const { rows } = await boss.getDb().executeSql(
        `select count(*)::int as n from pgboss.job
         where name = any($1::text[])
           and (state in ('retry', 'active') or (state = 'created' and start_after <= now()))`,
        [Object.keys(settings)],
      );
      return Number((rows[0] as { n: number } | undefined)?.n ?? 0);
    },

    async stop(graceMs = 10_000) {
      await boss.stop({ graceful: true, timeout: graceMs, wait: true });
    },
  };
}

async function retryOnDeadlock(work: () => Promise<void>, tries = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}
