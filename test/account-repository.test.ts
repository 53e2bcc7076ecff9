import { sql } from 'drizzle-orm';
import { describe, it } from 'vitest';
import { createAccountRepository } from '../db/account-repository';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { accountRepositoryContract, type RepositoryHarness } from './contracts/account-repository.contract';
import { sessionsContract } from './contracts/sessions.contract';
import { createTestDatabase, serviceUrl } from './support/services';

const cipher = createFieldCipher(new Uint8Array(32).fill(7));

/** Every row of every table as text: what someone with a copy of the database would read. */
async function dumpTables({ db }: OpenDatabase): Promise<string> {
  const tables = ['accounts', 'contacts', 'consents', 'profiles', 'audit_log', 'sessions'];
  const rows = await Promise.all(tables.map((table) => db.execute(sql.raw(`select * from ${table}`))));
  // PGlite answers { rows }, postgres.js an array of rows.
  return JSON.stringify(rows.map((result: unknown) => (result as { rows?: unknown }).rows ?? result));
}

const openPglite = async (): Promise<RepositoryHarness> => {
  const database = await openDatabase({ dataDir: null });
  return {
    accounts: createAccountRepository(database, cipher),
    dumpTables: () => dumpTables(database),
    close: database.close,
  };
};

const openPostgres = (baseUrl: string) => async (): Promise<RepositoryHarness> => {
  const testDatabase = await createTestDatabase(baseUrl);
  const database = await openDatabase({ url: testDatabase.url });
  return {
    accounts: createAccountRepository(database, cipher),
    dumpTables: () => dumpTables(database),
    async close() {
      await database.close();
      await testDatabase.drop();
    },
  };
};

accountRepositoryContract('PGlite (embedded)', openPglite);
sessionsContract('PGlite (embedded)', openPglite);

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  accountRepositoryContract(`Postgres at ${new URL(databaseUrl).host}`, openPostgres(databaseUrl));
  sessionsContract(`Postgres at ${new URL(databaseUrl).host}`, openPostgres(databaseUrl));
} else {
  describe.skip('AccountRepository and SessionRepository contracts: Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
