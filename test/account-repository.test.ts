import { sql } from 'drizzle-orm';
import { describe, it } from 'vitest';
import type { QueuedJob } from '../core/ports/job-queue';
import { createAccountRepository } from '../db/account-repository';
import { createCustomerRecords } from '../db/customer-records';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createIdentityCaseRepository } from '../db/identity-case-repository';
import type { JobWriter } from '../db/jobs/job-writer';
import { accountRepositoryContract, type RepositoryHarness } from './contracts/account-repository.contract';
import { customerRecordsContract } from './contracts/customer-records.contract';
import { identityCasesContract } from './contracts/identity-cases.contract';
import { sessionsContract } from './contracts/sessions.contract';
import { createTestDatabase, serviceUrl } from './support/services';

const cipher = createFieldCipher(new Uint8Array(32).fill(7));

/** Every row of every table as text: what someone with a copy of the database would read. */
async function dumpTables({ db }: OpenDatabase): Promise<string> {
  const tables = ['accounts', 'contacts', 'consents', 'profiles', 'audit_log', 'sessions', 'identity_cases'];
  const rows = await Promise.all(tables.map((table) => db.execute(sql.raw(`select * from ${table}`))));
  // PGlite answers { rows }, postgres.js an array of rows.
  return JSON.stringify(rows.map((result: unknown) => (result as { rows?: unknown }).rows ?? result));
}

const openPglite = async (): Promise<RepositoryHarness & { database: OpenDatabase }> => {
  const database = await openDatabase({ dataDir: null });
  return {
    database,
    accounts: createAccountRepository(database, cipher),
    dumpTables: () => dumpTables(database),
    close: database.close,
  };
};

const openPostgres =
  (baseUrl: string) => async (): Promise<RepositoryHarness & { database: OpenDatabase }> => {
    const testDatabase = await createTestDatabase(baseUrl);
    const database = await openDatabase({ url: testDatabase.url });
    return {
      database,
      accounts: createAccountRepository(database, cipher),
      dumpTables: () => dumpTables(database),
      async close() {
        await database.close();
        await testDatabase.drop();
      },
    };
  };

/** The identity cases beside the accounts they belong to, on the same database. */
const withCases = (opening: () => Promise<RepositoryHarness & { database: OpenDatabase }>) => async () => {
  const harness = await opening();
  const queued: QueuedJob[] = [];
  const recording: JobWriter = {
    async within() {},
    async committed(jobs) {
      queued.push(...jobs);
    },
  };
  return { ...harness, cases: createIdentityCaseRepository(harness.database.db, recording), queued };
};

/** A customer's records for data requests, beside the accounts and cases they gather. */
const withCustomers =
  (opening: () => Promise<RepositoryHarness & { database: OpenDatabase }>) => async () => {
    const harness = await withCases(opening)();
    return { ...harness, customers: createCustomerRecords(harness.database.db, cipher) };
  };

accountRepositoryContract('PGlite (embedded)', openPglite);
sessionsContract('PGlite (embedded)', openPglite);
identityCasesContract('PGlite (embedded)', withCases(openPglite));
customerRecordsContract('PGlite (embedded)', withCustomers(openPglite));

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  accountRepositoryContract(`Postgres at ${new URL(databaseUrl).host}`, openPostgres(databaseUrl));
  sessionsContract(`Postgres at ${new URL(databaseUrl).host}`, openPostgres(databaseUrl));
  identityCasesContract(`Postgres at ${new URL(databaseUrl).host}`, withCases(openPostgres(databaseUrl)));
  customerRecordsContract(
    `Postgres at ${new URL(databaseUrl).host}`,
    withCustomers(openPostgres(databaseUrl)),
  );
} else {
  describe.skip('AccountRepository and SessionRepository contracts: Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
