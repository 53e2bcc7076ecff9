import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRepository, NewAccount } from '../../core/ports/accounts';

let counter = 0;
/** A registration with contacts no other test uses. */
export function newAccount(overrides: Partial<NewAccount> = {}): NewAccount {
  const n = `${Date.now().toString(36)}${++counter}`;
  return {
    email: `customer${n}@example.ru`,
    phone: `+7916${String(1_000_000 + counter).slice(-7)}`,
    passwordHash: '$2b$10$abcdefghijklmnopqrstuuVh6mG7pW1bV0m0jT1l8yQ8y5cH2e3Ca',
    consent: { agreementVersion: '2026-01', acceptedAt: new Date('2026-11-01T10:00:00Z') },
    contactsVerifiedAt: new Date('2026-11-01T10:05:00Z'),
    actor: 'web:test',
    ...overrides,
  };
}

/** Gives an account a complete profile: Анна Иванова, born 1985-03-05, Russian passport 4510 `number`. */
export async function completeTestProfile(accounts: AccountRepository, accountId: string, number = '123456') {
  await accounts.saveDocument(accountId, { type: 'ru_passport', series: '4510', number }, 'test');
  const profile = {
    surname: 'Иванова',
    givenName: 'Анна',
    patronymic: null,
    birthDate: '1985-03-05',
    sex: 'female',
  } as const;
  const completed = await accounts.completeProfile(accountId, profile, 'test');
  if (!completed.ok) throw new Error(completed.error);
}

export interface RepositoryHarness {
  accounts: AccountRepository;
  /** Every text value stored in the database, to look for personal data in clear. */
  dumpTables(): Promise<string>;
  close(): Promise<void>;
}

const profile = {
  surname: 'Иванова',
  givenName: 'Анна',
  patronymic: null,
  birthDate: '1985-03-05',
  sex: 'female' as const,
};

/** One behaviour, two databases: every AccountRepository passes this. */
export function accountRepositoryContract(name: string, open: () => Promise<RepositoryHarness>) {
  describe(`AccountRepository contract: ${name}`, () => {
    let harness: RepositoryHarness;
    let accounts: AccountRepository;
    beforeAll(async () => {
      harness = await open();
      accounts = harness.accounts;
    });
    afterAll(async () => harness?.close());

    async function registered() {
      const created = await accounts.createAccount(newAccount());
      if (!created.ok) throw new Error('setup failed');
      return created.value;
    }

    it('creates an account that can be found by its e-mail and by its phone', async () => {
      const input = newAccount();
      const created = await accounts.createAccount(input);
      expect(created.ok).toBe(true);
      if (!created.ok) return;
      expect(created.value).toMatchObject({ email: input.email, phone: input.phone });
      expect(await accounts.findByContact('email', input.email)).toEqual(created.value);
      expect(await accounts.findByContact('phone', input.phone)).toEqual(created.value);
    });

    it('finds nobody for an unknown contact', async () => {
      expect(await accounts.findByContact('email', 'nobody@example.ru')).toBeNull();
    });

    it('refuses a second account with the same e-mail, and leaves nothing of it behind', async () => {
      const first = newAccount();
      await accounts.createAccount(first);
      const second = newAccount({ email: first.email });
      expect(await accounts.createAccount(second)).toEqual({ ok: false, error: 'email_taken' });
      expect(await accounts.findByContact('phone', second.phone)).toBeNull();
    });

    it('gives a retried registration (same contacts, same password hash) its account back, once', async () => {
      const input = newAccount();
      const first = await accounts.createAccount(input);
      const retry = await accounts.createAccount(input);
      expect(retry).toEqual(first);
      expect(
        await accounts.createAccount({
          ...input,
          passwordHash: '$2b$10$anotherhashanotherhashanotherhashanotherhashanoth',
        }),
      ).toEqual({
        ok: false,
        error: 'email_taken',
      });
      if (first.ok)
        expect((await accounts.auditTrail(first.value.id)).map((e) => e.action)).toEqual(['account.created']);
    });

    it('takes an e-mail in another letter case for the same mailbox, and keeps the spelling typed', async () => {
      const first = newAccount();
      const [local, domain] = first.email.split('@') as [string, string];
      const typed = `${local.slice(0, 1).toUpperCase()}${local.slice(1)}@${domain}`;
      const created = await accounts.createAccount({ ...first, email: typed });
      expect(created.ok && created.value.email).toBe(typed);
      const shouted = newAccount({ email: typed.toUpperCase().replace(domain.toUpperCase(), domain) });
      expect(await accounts.createAccount(shouted)).toEqual({ ok: false, error: 'email_taken' });
      expect((await accounts.findByContact('email', first.email))?.email).toBe(typed);
      expect((await accounts.findByContact('email', typed.toUpperCase()))?.email).toBe(typed);
    });

    it('refuses a second account with the same phone', async () => {
      const first = newAccount();
      await accounts.createAccount(first);
      expect(await accounts.createAccount(newAccount({ phone: first.phone }))).toEqual({
        ok: false,
        error: 'phone_taken',
      });
    });

    it('lets exactly one of ten simultaneous registrations of one e-mail win, the rest told it is taken', async () => {
      const email = newAccount().email;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => accounts.createAccount(newAccount({ email }))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.error === 'email_taken')).toHaveLength(9);
    });

    it('records the creation and later events in the audit trail, newest first', async () => {
      const created = await accounts.createAccount(newAccount({ actor: 'web:abc' }));
      if (!created.ok) throw new Error('setup failed');
      await accounts.appendAudit({
        accountId: created.value.id,
        actor: 'staff:U1',
        action: 'identity.approved',
        details: { reason: 'ok' },
      });
      const trail = await accounts.auditTrail(created.value.id);
      expect(trail.map((e) => [e.action, e.actor])).toEqual([
        ['identity.approved', 'staff:U1'],
        ['account.created', 'web:abc'],
      ]);
      expect(trail[1]?.details).toEqual({ agreementVersion: '2026-01' });
      expect(trail[0]?.at).toBeInstanceOf(Date);
    });

    it('refuses to complete a profile before a document is on file', async () => {
      const account = await registered();
      expect(await accounts.completeProfile(account.id, profile, 'customer:web')).toEqual({
        ok: false,
        error: 'no_document',
      });
      expect((await accounts.overview(account.id))?.profileComplete).toBe(false);
    });

    it('keeps the document encrypted, shows it masked, and completes the profile', async () => {
      const account = await registered();
      await accounts.saveDocument(
        account.id,
        { type: 'ru_passport', series: '4510', number: '987654' },
        'customer:web',
      );
      expect(await accounts.completeProfile(account.id, profile, 'customer:web')).toEqual({
        ok: true,
        value: undefined,
      });
      expect(await accounts.overview(account.id)).toEqual({
        account,
        contactsVerified: true,
        profileComplete: true,
        document: { type: 'ru_passport', masked: '45** ***654' },
      });
      const stored = await harness.dumpTables();
      expect(stored).toContain('Иванова');
      // The number, and the series with it as typed. (The series alone, four digits, turns up by chance in ids and
      // in the ciphertexts' base64: one CI run found '4510' inside a random account id.)
      expect(stored).not.toContain('987654');
      expect(stored).not.toMatch(/4510\s?987654/);
      const actions = (await accounts.auditTrail(account.id)).map((e) => e.action);
      expect(actions).toEqual(['profile.completed', 'profile.document_saved', 'account.created']);
    });

    it('replaces a document typed again, and tells an unverified account apart', async () => {
      const created = await accounts.createAccount(newAccount({ contactsVerifiedAt: null }));
      if (!created.ok) throw new Error('setup failed');
      await accounts.saveDocument(
        created.value.id,
        { type: 'ru_passport', series: '1111', number: '111111' },
        'x',
      );
      await accounts.saveDocument(
        created.value.id,
        { type: 'foreign_passport', series: null, number: 'AB12345' },
        'x',
      );
      expect(await accounts.overview(created.value.id)).toMatchObject({
        contactsVerified: false,
        document: { type: 'foreign_passport', masked: '****345' },
      });
    });

    it('has no overview for an unknown account', async () => {
      expect(await accounts.overview('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('names registrations never activated once their every link expired before a date, never an active one', async () => {
      const hours = (h: number) => new Date(Date.now() + h * 3600_000);
      const pending = newAccount({
        activation: {
          tokenHash: `unactivated-${Date.now()}-${Math.random()}`,
          createdAt: new Date(),
          expiresAt: hours(72),
          temporaryPasswordUntil: hours(72),
          conversationId: null,
          channel: null,
        },
      });
      const created = await harness.accounts.createAccount(pending);
      const active = await harness.accounts.createAccount(newAccount());
      if (!created.ok || !active.ok) throw new Error('setup failed');
      const expiredBy = async (h: number) => await harness.accounts.unactivatedBefore(hours(h), 1000);
      expect(await expiredBy(71)).not.toContain(created.value.id);
      expect(await expiredBy(73)).toContain(created.value.id);
      expect(await expiredBy(10_000)).not.toContain(active.value.id);
      expect(
        await harness.accounts.withdrawUnactivated(created.value.id, 'retention', 'never_activated'),
      ).toBe(true);
      expect(await expiredBy(73)).not.toContain(created.value.id);
      expect(await harness.accounts.findByContact('email', pending.email)).toBeNull();
    });

    it('answers a ping', async () => {
      await expect(accounts.ping()).resolves.toBeUndefined();
    });
  });
}
