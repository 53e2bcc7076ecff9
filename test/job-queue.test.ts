import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import type { JobData } from '../core/ports/job-queue';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { transactionalJobWriter } from '../db/jobs/job-writer';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { createPgBossQueue, type JobsConnection } from '../db/jobs/pg-boss-queue';
import { createPgBossWriter } from '../db/jobs/pg-boss-writer';
import { jobQueueContract } from './contracts/job-queue.contract';
import { createTestDatabase, serviceUrl } from './support/services';

jobQueueContract('in-process memory', async () => {
  const queue = createMemoryJobQueue();
  return { queue, close: () => queue.stop() };
});

/** pg-boss on `connection`, looking for jobs twice a second; `release` frees the database after it stops. */
async function pgBoss(connection: JobsConnection, release: () => Promise<void>) {
  const queue = await createPgBossQueue({
    connection,
    logger: silentLogger,
    sealer: createFieldCipher(new Uint8Array(32).fill(2)),
    pollingIntervalSeconds: 0.5,
  });
  return {
    queue,
    close: async () => {
      await queue.stop(2000);
      await release();
    },
  };
}

/**
 * Jobs named by a change of records are rows the change's own transaction writes (core/ports/job-queue.ts,
 * QueuedJob): a rolled-back change queues nothing, a committed one queues its jobs, once.
 */
function transactionalJobs(
  name: string,
  open: () => Promise<{ database: OpenDatabase; drop(): Promise<void> }>,
) {
  describe(`jobs queued in a transaction: pg-boss on ${name}`, () => {
    let opened: Awaited<ReturnType<typeof open>>;
    let boss: Awaited<ReturnType<typeof createPgBossQueue>>;
    const seen: JobData[] = [];
    beforeAll(async () => {
      opened = await open();
      boss = await createPgBossQueue({
        connection: opened.database.jobs,
        logger: silentLogger,
        sealer: createFieldCipher(new Uint8Array(32).fill(2)),
        pollingIntervalSeconds: 0.5,
      });
      await boss.work('notice', async (job) => {
        seen.push(job.data);
      });
    });
    afterAll(async () => {
      await boss?.stop(2000);
      await opened?.drop();
    });

    it('queues the jobs of a change that commits, and none of one that rolls back', async () => {
      const writer = transactionalJobWriter(boss);
      const { db } = opened.database;
      const job = (id: string) => ({ queue: 'notice' as const, data: { id }, key: id });
      await expect(
        db.transaction(async (tx) => {
          await writer.within(tx, [job('rolled-back')]);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      await db.transaction((tx) => writer.within(tx, [job('kept'), job('kept')]));
      await writer.committed([job('kept')]);
      const deadline = Date.now() + 10_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 700));
      expect(seen).toEqual([{ id: 'kept' }]);
    }, 20_000);

    it("runs jobs written without pg-boss (a Worker's writer): once per key, from a transaction too", async () => {
      const { queue, jobs } = createPgBossWriter(
        opened.database.db,
        createFieldCipher(new Uint8Array(32).fill(2)),
      );
      expect(await queue.send('notice', { id: 'from-worker' }, 'worker-1')).toBe(true);
      expect(await queue.send('notice', { id: 'from-worker' }, 'worker-1')).toBe(false); // a retried request
      await opened.database.db.transaction((tx) =>
        jobs.within(tx, [{ queue: 'notice', data: { id: 'from-worker-tx' }, key: 'worker-2' }]),
      );
      await expect
        .poll(() => seen.map((job) => job.id), { timeout: 10_000 })
        .toEqual(expect.arrayContaining(['from-worker', 'from-worker-tx']));
      await new Promise((r) => setTimeout(r, 700));
      expect(seen.filter((job) => job.id === 'from-worker')).toHaveLength(1);
      // A queue that does not exist is an error, never a job taken for already queued.
      await expect(queue.send('no-such-queue' as 'notice', { id: 'lost' }, 'worker-3')).rejects.toThrow(
        /no job queue/,
      );
    }, 20_000);
  });
}

jobQueueContract('pg-boss on PGlite', async () => {
  const database = await openDatabase({ dataDir: null });
  return pgBoss(database.jobs, database.close);
});
transactionalJobs('PGlite', async () => {
  const database = await openDatabase({ dataDir: null });
  return { database, drop: database.close };
});

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  jobQueueContract(`pg-boss on Postgres at ${databaseUrl}`, async () => {
    const database = await createTestDatabase(databaseUrl);
    return pgBoss({ connectionString: database.url }, database.drop);
  });
  it("runs a job a Worker's writer queued at once, not at the next poll (Postgres NOTIFY)", async () => {
    const created = await createTestDatabase(databaseUrl);
    const database = await openDatabase({ url: created.url });
    const sealer = createFieldCipher(new Uint8Array(32).fill(2));
    // Polling every 30 s: a job run within seconds was woken.
    const boss = await createPgBossQueue({
      connection: database.jobs,
      logger: silentLogger,
      sealer,
      pollingIntervalSeconds: 30,
    });
    try {
      const seen: JobData[] = [];
      await boss.work('notice', async (job) => {
        seen.push(job.data);
      });
      await database.onJobsQueuedElsewhere(boss.wake);
      // The Worker's own connection (a second client), as in web/worker.ts.
      const worker = await openDatabase({ url: created.url });
      const { queue, jobs } = createPgBossWriter(worker.db, sealer);
      await new Promise((r) => setTimeout(r, 1500)); // past the workers' first look
      await queue.send('notice', { id: 'woken' }, 'wake-1');
      await expect.poll(() => seen.map((job) => job.id), { timeout: 10_000 }).toEqual(['woken']);
      // From a transaction: on commit, and not for one rolled back.
      await expect(
        worker.db.transaction(async (tx) => {
          await jobs.within(tx, [{ queue: 'notice', data: { id: 'rolled-back' }, key: 'wake-2' }]);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      await worker.db.transaction((tx) =>
        jobs.within(tx, [{ queue: 'notice', data: { id: 'committed' }, key: 'wake-3' }]),
      );
      await expect.poll(() => seen.map((job) => job.id), { timeout: 10_000 }).toEqual(['woken', 'committed']);
      await worker.close();
    } finally {
      await boss.stop(2000);
      await database.close();
      await created.drop();
    }
  }, 40_000);
  transactionalJobs('Postgres', async () => {
    const created = await createTestDatabase(databaseUrl);
    const database = await openDatabase({ url: created.url });
    return {
      database,
      drop: async () => {
        await database.close();
        await created.drop();
      },
    };
  });
} else {
  describe.skip('JobQueue contract: pg-boss on Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
