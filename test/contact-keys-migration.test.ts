import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { contactKey, readEmail } from '../core/contacts';
import * as schema from '../db/schema';
import { rereadStoredEmails } from '../db/stored-emails';

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
    // The migrations as they were before 0007: it and every later one left out (drizzle applies only migrations
    // newer than the last applied, so a later one applied here would make it skip 0007 afterwards).
    before = await mkdtemp(join(tmpdir(), 'kabinet-migrations-'));
    await cp(migrations, before, { recursive: true });
    const journal = JSON.parse(await readFile(join(before, 'meta/_journal.json'), 'utf8'));
    const from = journal.entries.findIndex((e: { tag: string }) => e.tag === '0007_contact_keys');
    for (const later of journal.entries.slice(from)) await rm(join(before, `${later.tag}.sql`));
    journal.entries = journal.entries.slice(0, from);
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

  it('re-reads e-mails stored with a Unicode domain at start-up: one key per mailbox, the proven owner first', async () => {
    const db = drizzle(client, { schema });
    const [unproven, proven, alone, odd, twice] = [
      '33333333-3333-4333-8333-333333333333',
      '44444444-4444-4444-8444-444444444444',
      '55555555-5555-4555-8555-555555555555',
      '66666666-6666-4666-8666-666666666666',
      '77777777-7777-4777-8777-777777777777',
    ];
    // Stored before strict reading: the domain as typed (Unicode), the key folded as migration 0007 folds it.
    await client.exec(`
      insert into accounts (id, password_hash, created_at, activated_at) values
        ('${unproven}', 'x', '2026-01-01T00:00:00Z', null), ('${proven}', 'y', '2026-03-01T00:00:00Z', now()),
        ('${alone}', 'z', '2026-01-01T00:00:00Z', now()), ('${odd}', 'w', '2026-01-01T00:00:00Z', now()),
        ('${twice}', 'v', '2026-01-01T00:00:00Z', now());
      insert into contacts (kind, value, key, account_id, created_at, verified_at) values
        ('email', 'Olga@Пример.РФ', 'olga@Пример.РФ', '${unproven}', '2026-01-01T00:00:00Z', null),
        ('email', 'olga@xn--e1afmkfd.xn--p1ai', 'olga@xn--e1afmkfd.xn--p1ai', '${proven}', '2026-03-01T00:00:00Z', now()),
        ('email', 'ivan@почта.рф', 'ivan@почта.рф', '${alone}', '2026-01-01T00:00:00Z', now()),
        ('email', 'анна@example.ru', 'анна@example.ru', '${odd}', '2026-01-01T00:00:00Z', now()),
        ('email', 'petr@xn--e1afmkfd.xn--p1ai', 'petr@xn--e1afmkfd.xn--p1ai', '${twice}', '2026-01-01T00:00:00Z', now()),
        ('email', 'petr@пример.рф', 'petr@пример.рф', '${twice}', '2026-01-01T00:00:00Z', now());
    `);
    // One account with the mailbox in both spellings (an earlier version let it in): the Unicode one goes.
    expect(await rereadStoredEmails(db)).toEqual({ rewritten: 3, collisions: 1, unreadable: 1, failed: 0 });
    const rows = (
      await client.query<{ value: string; key: string; account_id: string }>(
        `select value, key, account_id from contacts where account_id in ('${unproven}', '${proven}', '${alone}', '${odd}', '${twice}') order by account_id`,
      )
    ).rows;
    expect(rows).toEqual([
      {
        value: 'Olga@xn--e1afmkfd.xn--p1ai',
        key: `olga@xn--e1afmkfd.xn--p1ai#collision:${unproven}`,
        account_id: unproven,
      },
      { value: 'olga@xn--e1afmkfd.xn--p1ai', key: 'olga@xn--e1afmkfd.xn--p1ai', account_id: proven },
      { value: 'ivan@xn--80a1acny.xn--p1ai', key: 'ivan@xn--80a1acny.xn--p1ai', account_id: alone },
      { value: 'анна@example.ru', key: 'анна@example.ru', account_id: odd },
      { value: 'petr@xn--e1afmkfd.xn--p1ai', key: 'petr@xn--e1afmkfd.xn--p1ai', account_id: twice },
    ]);
    const audit = await client.query<{ account_id: string; action: string; details: unknown }>(
      `select account_id, action, details from audit_log where actor = 'start-up:emails' order by action`,
    );
    expect(audit.rows).toEqual([
      { account_id: unproven, action: 'contact.case_collision', details: { kind: 'email', keptBy: proven } },
      {
        account_id: twice,
        action: 'contact.duplicate_removed',
        details: { kind: 'email', kept: 'petr@xn--e1afmkfd.xn--p1ai' },
      },
    ]);
    // A second start finds nothing more to do, and the mailbox typed either way is the proven owner's.
    expect(await rereadStoredEmails(db)).toEqual({ rewritten: 0, collisions: 0, unreadable: 1, failed: 0 });
    const found = await client.query<{ account_id: string }>(
      `select account_id from contacts where kind = 'email' and key = '${contactKey('email', readEmail('OLGA@Пример.рф') ?? '')}'`,
    );
    expect(found.rows).toEqual([{ account_id: proven }]);
  });
});
