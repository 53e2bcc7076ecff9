import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';

const migrations = fileURLToPath(new URL('../db/migrations', import.meta.url));

/**
 * Migration 0007 on records made before it, where one mailbox became two accounts in two spellings (olga@… and
 * OLGA@…, as the hostile run found): the oldest keeps the e-mail, the later one stays reachable by its phone, and
 * an operator finds the collision in the audit log.
 */
describe('contact keys migration', () => {
  const client = new PGlite();
  let before: string | undefined;
  afterAll(async () => {
    await client.close();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it('keeps existing contacts unique whatever their letter case, the proven owner first, and reports each collision', async () => {
    // The migrations as they were before 0007.
    before = await mkdtemp(join(tmpdir(), 'kabinet-migrations-'));
    await cp(migrations, before, { recursive: true });
    await rm(join(before, '0007_contact_keys.sql'));
    const journal = JSON.parse(await readFile(join(before, 'meta/_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { tag: string }) => e.tag !== '0007_contact_keys');
    await writeFile(join(before, 'meta/_journal.json'), JSON.stringify(journal));
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: before });

    const older = '11111111-1111-4111-8111-111111111111';
    const newer = '22222222-2222-4222-8222-222222222222';
    await client.exec(`
      insert into accounts (id, password_hash, created_at, activated_at) values
        ('${older}', 'x', '2026-01-01T00:00:00Z', null), ('${newer}', 'y', '2026-02-01T00:00:00Z', now());
      insert into contacts (kind, value, account_id, created_at, verified_at) values
        ('email', 'olga@example.ru', '${older}', '2026-01-01T00:00:00Z', null),
        ('phone', '+79160000001', '${older}', '2026-01-01T00:00:00Z', null),
        ('email', 'OLGA@example.ru', '${newer}', '2026-02-01T00:00:00Z', now()),
        ('phone', '+79160000002', '${newer}', '2026-02-01T00:00:00Z', now()),
        ('email', 'Anna.K@example.ru', '${newer}', '2026-02-01T00:00:00Z', now());
    `);

    await migrate(db, { migrationsFolder: migrations });
    const rows = (
      await client.query<{ value: string; key: string; account_id: string }>(
        `select value, key, account_id from contacts where kind = 'email' order by value`,
      )
    ).rows;
    // The newer account's owner proved the mailbox (verified, activated): the key is theirs, not the older
    // unproven registration's, which is reached by its phone and reported with who kept the key.
    expect(rows).toEqual([
      { value: 'Anna.K@example.ru', key: 'anna.k@example.ru', account_id: newer },
      { value: 'OLGA@example.ru', key: 'olga@example.ru', account_id: newer },
      { value: 'olga@example.ru', key: `olga@example.ru#collision:${older}`, account_id: older },
    ]);
    const audit = (
      await client.query<{ account_id: string; action: string; details: unknown }>(
        `select account_id, action, details from audit_log where actor = 'migration:0007'`,
      )
    ).rows;
    expect(audit).toEqual([
      { account_id: older, action: 'contact.case_collision', details: { kind: 'email', keptBy: newer } },
    ]);
    // An instance still on the previous release inserts without a key (a rolling deploy): the database makes it.
    await client.exec(
      `insert into contacts (kind, value, account_id) values ('email', 'Rolling.Deploy@example.ru', '${older}')`,
    );
    const rolled = await client.query<{ key: string }>(
      `select key from contacts where value = 'Rolling.Deploy@example.ru'`,
    );
    expect(rolled.rows[0]?.key).toBe('rolling.deploy@example.ru');
    // The key is the contact's identity now: a third spelling cannot be added beside them.
    await expect(
      client.exec(
        `insert into contacts (kind, value, key, account_id) values ('email', 'Olga@example.ru', 'olga@example.ru', '${newer}')`,
      ),
    ).rejects.toThrow();
  });
});
