import { describe, it } from 'vitest';
import { createAccountRepository } from '../db/account-repository';
import { openDatabase } from '../db/database';
import { accountRepositoryContract } from './contracts/account-repository.contract';
import { createTestDatabase, serviceUrl } from './support/services';

accountRepositoryContract('PGlite (embedded)', async () =>
  createAccountRepository(await openDatabase({ dataDir: null })),
);

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  accountRepositoryContract(`Postgres at ${new URL(databaseUrl).host}`, async () => {
    const database = await createTestDatabase(databaseUrl);
    const repository = createAccountRepository(await openDatabase({ url: database.url }));
    return {
      ...repository,
      async close() {
        await repository.close();
        await database.drop();
      },
    };
  });
} else {
  describe.skip('AccountRepository contract: Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}
