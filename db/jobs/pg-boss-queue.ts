import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { describeError, type Logger } from '../../core/logger';
import {
  type JobData,
  type JobQueue,
  type QueueName,
  type QueueSettings,
  queueSettings,
} from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';

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
  /** Jobs fetched per look; each worker runs them concurrently, one group at a time. */
  batchSize?: number;
  /** Workers per queue: one fetch held up by a slow chat does not stall the others. */
  workersPerQueue?: number;
}

/**
 * pg-boss 10 (the last line that runs on Node 20) behind the JobQueue port. Jobs are rows in Postgres (or
 * PGlite): a crash or deploy loses none, and any instance takes over a dead one's jobs once they expire. A key
 * becomes the job's id (a UUID derived from it), so a second send of the same key is an insert that does nothing.
 */
export async function createPgBossQueue(options: PgBossQueueOptions): Promise<JobQueue> {
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
    await boss.createQueue(name, queue);
    await boss.updateQueue(name, queue); // settings changed since the queue was first made
  }
  const workers: string[] = [];
  const seal = async (queue: QueueName, data: JobData) => ({
    sealed: await options.sealer.seal(JSON.stringify(data), `job:${queue}`),
  });
  const open = async (queue: QueueName, stored: { sealed: string }) =>
    JSON.parse(await options.sealer.open(stored.sealed, `job:${queue}`)) as JobData;

  return {
    async send(queue, data, key) {
      await boss.send(queue, await seal(queue, data), { id: uuidFrom(`${queue}:${key}`) });
      // Wake this instance's workers rather than wait for their next look.
      for (const id of workers) boss.notifyWorker(id);
    },

    async work(queue, handler, workOptions = {}) {
      const retryLimit = settings[queue].retryLimit;
      const groupOf = workOptions.groupOf ?? (() => Math.random().toString());
      const run = async (jobs: PgBoss.JobWithMetadata<{ sealed: string }>[]) => {
        // pg-boss gives the whole fetch one expiry, from now: every job of it is to be done well inside.
        const deadline = Date.now() + Math.min(...jobs.map((job) => job.expireInSeconds)) * 600;
        const opened = await Promise.all(
          jobs.map(async (job) => ({ job, data: await open(queue, job.data) })),
        );
        // UPDATE … RETURNING gives the fetched rows in no particular order: restore queue order.
        opened.sort((a, b) => a.job.createdOn.getTime() - b.job.createdOn.getTime());
        const groups = new Map<string, typeof opened>();
        for (const item of opened) {
          const group = groupOf(item.data);
          groups.set(group, [...(groups.get(group) ?? []), item]);
        }
        // One group's jobs one after another, groups side by side. Each job is completed (or failed) as soon as
        // it ends, so a sibling running late cannot have it counted as expired and run again.
        await Promise.all(
          [...groups.values()].map(async (group) => {
            for (const { job, data } of group) {
              try {
                await handler({
                  data,
                  retries: job.retryCount,
                  lastAttempt: job.retryCount >= retryLimit,
                  deadline,
                });
                await boss.complete(queue, job.id);
              } catch (error) {
                await boss.fail(queue, job.id, { message: describeError(error) });
              }
            }
          }),
        );
      };
      for (let i = 0; i < (options.workersPerQueue ?? 2); i++) {
        workers.push(
          await boss.work<{ sealed: string }>(
            queue,
            {
              batchSize: options.batchSize ?? 16,
              pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
              includeMetadata: true,
            },
            run,
          ),
        );
      }
    },

    async pending() {
      const sizes = await Promise.all(
        Object.keys(settings).map((name) => boss.getQueueSize(name, { before: 'completed' })),
      );
      return sizes.reduce((sum: number, size) => sum + (size ?? 0), 0);
    },

    async stop(graceMs = 10_000) {
      await boss.stop({ graceful: true, timeout: graceMs, wait: true });
    },
  };
}

/** A UUID-shaped digest of `key`: the same key always names the same job. */
function uuidFrom(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
