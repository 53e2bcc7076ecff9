import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { JOBS_QUEUED_CHANNEL } from './jobs/job-rows';
import type { JobsConnection } from './jobs/pg-boss-queue';
import { pgliteExecutor } from './jobs/pglite-executor';
import * as schema from './schema';
import { type EmailRereading, rereadStoredEmails } from './stored-emails';

/** The same drizzle API over postgres.js and PGlite; repositories are written once against it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabase {
  db: Database;
  /** 'postgres' for a server reached by URL, 'pglite' for the embedded one. */
  kind: 'postgres' | 'pglite';
  /** The same database for the job queue (pg-boss keeps its own tables in schema `pgboss`). */
  jobs: JobsConnection;
  /** What re-reading e-mails stored before strict reading did at this start (db/stored-emails.ts). */
  emails: EmailRereading;
  /**
   * Calls `wake` whenever another process queues a job without pg-boss (a Worker, db/jobs/pg-boss-writer.ts);
   * Postgres only (no Worker writes to an embedded PGlite).
   */
  onJobsQueuedElsewhere(wake: () => void): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any fixed number: instances starting together take turns applying migrations. */
const MIGRATION_LOCK = 7_270_001;

/** Opens Postgres at `url`, or PGlite stored in `dataDir` (in memory when null), and applies migrations. */
export async function openDatabase(options: {
  url?: string;
  dataDir?: string | null;
}): Promise<OpenDatabase> {
  return options.url ? openPostgres(options.url) : openPglite(options.dataDir ?? null);
}

async function openPostgres(url: string): Promise<OpenDatabase> {
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  let emails: EmailRereading;
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder });
    // Under the same lock: instances starting together re-read the rows once.
    emails = await rereadStoredEmails(drizzlePostgres(migrator, { schema }));
  } finally {
    await migrator.end();
  }
  // A statement running past 10 s is cancelled by the server: a request is not held by a stuck query. (A server
  // that stops answering altogether is not bounded here: postgres.js has no client-side query timeout.)
  // Reconnecting every 250 ms rather than postgres.js's backoff (growing to 20 s, shared by the pool): queries
  // made during and after an outage otherwise waited out that delay (measured: 11–18 s) even once it was over.
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { statement_timeout: 10_000 },
    backoff: () => 0.25,
    connect_timeout: 5,
  });
  return {
    db: drizzlePostgres(client, { schema }),
    kind: 'postgres',
    jobs: { connectionString: url },
    emails,
    // postgres.js keeps the LISTEN on a connection of its own and listens again after reconnecting.
    onJobsQueuedElsewhere: async (wake) => {
      await client.listen(JOBS_QUEUED_CHANNEL, () => wake());
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | null): Promise<OpenDatabase> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  const db = drizzlePglite(client, { schema });
  let emails: EmailRereading;
  try {
    await migratePglite(db, { migrationsFolder });
    emails = await rereadStoredEmails(db);
  } catch (error) {
    await client.close(); // an open PGlite keeps the process alive
    throw error;
  }
  return {
    db,
    kind: 'pglite',
    jobs: { db: pgliteExecutor(client) },
    emails,
    onJobsQueuedElsewhere: async () => {},
    close: () => client.close(),
  };
}
