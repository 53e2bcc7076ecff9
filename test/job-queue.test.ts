import { describe, it } from 'vitest';
import { silentLogger } from '../core/logger';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { createPgBossQueue, type JobsConnection } from '../db/jobs/pg-boss-queue';
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

jobQueueContract('pg-boss on PGlite', async () => {
  const database = await openDatabase({ dataDir: null });
  return pgBoss(database.jobs, database.close);
});

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  jobQueueContract(`pg-boss on Postgres at ${databaseUrl}`, async () => {
    const database = await createTestDatabase(databaseUrl);
    return pgBoss({ connectionString: database.url }, database.drop);
  });
} else {
  describe.skip('JobQueue contract: pg-boss on Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
