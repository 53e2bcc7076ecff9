import { sql } from 'drizzle-orm';
import { describe, it } from 'vitest';
import { createAccountRepository } from '../db/account-repository';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { accountRepositoryContract } from './contracts/account-repository.contract';
import { createTestDatabase, serviceUrl } from './support/services';

const cipher = createFieldCipher(new Uint8Array(32).fill(7));

/** Every row of every table as text: what someone with a copy of the database would read. */
async function dumpTables({ db }: OpenDatabase): Promise<string> {
  const tables = ['accounts', 'contacts', 'consents', 'profiles', 'audit_log'];
  const rows = await Promise.all(tables.map((table) => db.execute(sql.raw(`select * from ${table}`))));
  // PGlite answers { rows }, postgres.js an array of rows.
  return JSON.stringify(rows.map((result: unknown) => (result as { rows?: unknown }).rows ?? result));
}

accountRepositoryContract('PGlite (embedded)', async () => {
  const database = await openDatabase({ dataDir: null });
  return {
    accounts: createAccountRepository(database, cipher),
    dumpTables: () => dumpTables(database),
    close: database.close,
  };
});

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  accountRepositoryContract(`Postgres at ${new URL(databaseUrl).host}`, async () => {
    const testDatabase = await createTestDatabase(databaseUrl);
    const database = await openDatabase({ url: testDatabase.url });
    return {
      accounts: createAccountRepository(database, cipher),
      dumpTables: () => dumpTables(database),
      async close() {
        await database.close();
        await testDatabase.drop();
      },
    };
  });
} else {
  describe.skip('AccountRepository contract: Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
