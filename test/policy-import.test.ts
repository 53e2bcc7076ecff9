import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import { presets } from '../core/presets';
import { createFieldCipher } from '../db/field-cipher';
import { type ImportReport, importPolicies } from '../db/policy-import';
import { completeTestProfile } from './contracts/account-repository.contract';
import { createFlowHarness, openTestRecords, question } from './support/flow-harness';

let records: Awaited<ReturnType<typeof openTestRecords>>;
beforeAll(async () => {
  records = await openTestRecords({ postgres: true });
});
afterAll(async () => records?.close());

const cipher = createFieldCipher(new Uint8Array(32).fill(3));
const t = createTranslations()('ru');

async function run(csv: string, preset = presets.victoria): Promise<ImportReport> {
  return importPolicies(Readable.from([Buffer.from(csv)]), {
    db: records.database.db,
    cipher,
    preset,
    source: 'test.csv',
  });
}

async function count(table: string): Promise<number> {
  const result = await records.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows =
    (result as unknown as { rows?: { n: number }[] }).rows ?? (result as unknown as { n: number }[]);
  return rows[0]?.n ?? 0;
}

const suffix = Date.now().toString(36);
const header = 'number,product,starts_on,ends_on,email,phone,document_type,document_number';
const file = [
  header,
  `P-${suffix}-1,КАСКО,2026-01-01,2026-12-31,holder.${suffix}@example.kz,+77011110001,,`, // 2: good
  `P-${suffix}-2,ОСАГО,01.02.2026,31.01.2027,,8 701 111 0001,kz_id_card,"0412 3456789"`, // 3: same holder by phone
  `P-${suffix}-3,Имущество,2026-01-01,2025-12-31,other.${suffix}@example.kz,,,`, // 4: ends before it starts
  `P-${suffix}-4,КАСКО,2026-13-01,2026-12-31,other.${suffix}@example.kz,,,`, // 5: no such month
  `P-${suffix}-5,КАСКО,2026-01-01,2026-12-31,,+7 495 123 45 67,,`, // 6: a landline
  `P-${suffix}-1,КАСКО,2026-01-01,2026-12-31,someone.${suffix}@example.kz,,,`, // 7: P-1 again, another holder
  `P-${suffix}-6,Тур"изм,2026-01-01,2026-12-31,,,,`, // 8: a stray quote: not CSV
  `P-${suffix}-7,Туризм,2026-01-01,2026-12-31,,,,`, // 9: no contact
  `,Туризм,2026-01-01,2026-12-31,third.${suffix}@example.kz,,,`, // 10: no number
  `P-${suffix}-8,Туризм,2026-06-01,2026-06-14,third.${suffix}@example.kz,+77011110003,passport,123`, // 11: not Victoria's document
  `P-${suffix}-9,Туризм,2026-06-01,2026-06-14,third.${suffix}@example.kz,+77011110003,kz_passport,N1234567`, // 12: good
].join('\n');

describe('policy import (npm run import:policies)', () => {
  it('imports good rows, refuses the rest by line and reason, and a second run changes nothing', async () => {
    const before = { accounts: await count('accounts'), policies: await count('policies') };
    const first = await run(file);
    expect(first.refused).toEqual([
      { line: 4, problem: 'period_reversed' },
      { line: 5, problem: 'bad_date' },
      { line: 6, problem: 'bad_phone' },
      { line: 7, problem: 'duplicate_policy' },
      { line: 8, problem: 'malformed' },
      { line: 9, problem: 'no_contact' },
      { line: 10, problem: 'number_missing' },
      { line: 11, problem: 'bad_document' },
    ]);
    expect(first).toMatchObject({ rows: 11, imported: 3, accountsCreated: 2 });
    const after = { accounts: await count('accounts'), policies: await count('policies') };
    expect(after).toEqual({ accounts: before.accounts + 2, policies: before.policies + 3 });

    const second = await run(file);
    expect(second.refused).toEqual(first.refused);
    expect(second).toMatchObject({ imported: 3, accountsCreated: 0 });
    expect({ accounts: await count('accounts'), policies: await count('policies') }).toEqual(after);

    // One account for the holder named by e-mail in one row and by phone in the next.
    const holder = await records.accounts.findByContact('email', `holder.${suffix}@example.kz`);
    expect(holder?.phone).toBe('+77011110001');
    const trail = await records.accounts.auditTrail(holder?.id ?? '');
    expect(trail.map((e) => [e.action, e.actor])).toEqual([['account.created', 'import']]);
    // The document is kept only as a fingerprint.
    const stored = JSON.stringify(await records.database.db.execute(sql.raw('select * from policies')));
    expect(stored).not.toContain('3456789');
    expect(stored).not.toContain('N1234567');
  });

  it('tells a customer registering with an imported holder’s e-mail, once their phone is proven, that the cabinet exists already', async () => {
    await run(`${header}\nP-${suffix}-R,КАСКО,2026-01-01,2026-12-31,reg.${suffix}@example.kz,+77011110009,,`);
    const h = createFlowHarness(records.accounts, presets.victoria, { cases: records.casesWith });
    const c = h.customer();
    await c.open();
    await c.choose('register');
    await c.text(`reg.${suffix}@example.kz`);
    await c.text('+7 701 111 00 08');
    await c.choose('register');
    // Said to whoever proves the phone by its SMS code, not before (core/flows/registration-by-link.ts).
    expect(question(await c.text(h.lastCode('+77011110008')))).toBe(t('vreg.already_exists'));
  });

  it('refuses a policy number another holder already has in the records, and does not move it', async () => {
    await run(`${header}\nP-${suffix}-X,КАСКО,2026-01-01,2026-12-31,first.${suffix}@example.kz,,,`);
    const moved = await run(
      `${header}\nP-${suffix}-X,КАСКО,2026-01-01,2026-12-31,second.${suffix}@example.kz,,,`,
    );
    expect(moved.refused).toEqual([{ line: 2, problem: 'duplicate_policy' }]);
    expect(moved.accountsCreated).toBe(0);
    expect(await records.accounts.findByContact('email', `second.${suffix}@example.kz`)).toBeNull();
  });

  it('refuses a row whose holder changed contacts without losing the rest, and waits for unproven contacts', async () => {
    await run(`${header}\nH-${suffix}-1,КАСКО,2026-01-01,2026-12-31,old.${suffix}@example.kz,,,`);
    const changed = await run(
      [
        header,
        `H-${suffix}-1,КАСКО,2026-01-01,2026-12-31,new.${suffix}@example.kz,,,`,
        `H-${suffix}-2,КАСКО,2026-01-01,2026-12-31,new.${suffix}@example.kz,,,`,
      ].join('\n'),
    );
    expect(changed.refused).toEqual([{ line: 2, problem: 'duplicate_policy' }]);
    expect(changed).toMatchObject({ imported: 1, accountsCreated: 1 });

    // A contact typed at registration but never proven (the link not followed) gets no policies.
    const pending = await records.accounts.createAccount({
      email: `pending.${suffix}@example.kz`,
      phone: '+77011119999',
      passwordHash: 'x',
      consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
      contactsVerifiedAt: new Date(),
      actor: 'test',
      activation: {
        tokenHash: `t-${suffix}`,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 3600_000),
        temporaryPasswordUntil: new Date(Date.now() + 3600_000),
        conversationId: null,
        channel: null,
      },
    });
    expect(pending.ok).toBe(true);
    const waiting = await run(
      `${header}\nU-${suffix}-1,КАСКО,2026-01-01,2026-12-31,pending.${suffix}@example.kz,,,`,
    );
    expect(waiting.refused).toEqual([{ line: 2, problem: 'contact_unproven' }]);
  });

  it('shows policies in My account only once the profile is complete, and never one by a typed document number', async () => {
    const h = createFlowHarness(records.accounts, presets.soglasie, { cases: records.casesWith });
    const email = `mine.${suffix}@example.ru`;
    const created = await records.accounts.createAccount({
      email,
      phone: '+79161230077',
      passwordHash: await h.services.passwords.hash('Sunflower42'),
      consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
      contactsVerifiedAt: new Date(),
      actor: 'test',
    });
    if (!created.ok) throw new Error('setup');
    const soglasie = presets.soglasie;
    await run(
      [
        header,
        `M-${suffix}-1,КАСКО,2026-01-01,2099-12-31,${email},,,`,
        `M-${suffix}-2,ОСАГО,2020-01-01,2020-12-31,bought.${suffix}@example.ru,,ru_passport,4510 987654`,
      ].join('\n'),
      soglasie,
    );
    const c = h.customer();
    await c.open();
    await c.text('/login');
    await c.text(email);
    await c.text('Sunflower42');
    const hidden = question(await c.choose('my_account'));
    expect(hidden).toContain(t('account.policies.hidden'));
    expect(hidden).not.toContain(`M-${suffix}-1`);

    const id = created.value.id;
    await completeTestProfile(records.accounts, id, '987654');
    // The document's policy stays with its holder until an identity check links it (not by typing a number).
    expect((await records.accounts.policiesOf(id)).map((p) => [p.number, p.matchedBy])).toEqual([
      [`M-${suffix}-1`, 'contact'],
    ]);
    const shown = question(await c.text('/start').then(() => c.choose('my_account')));
    expect(shown).toContain(
      `№ M-${suffix}-1, КАСКО, 01.01.2026 — 31.12.2099 (${t('account.policy.active')})`,
    );
    expect(shown).not.toContain(`M-${suffix}-2`);
  });
});
