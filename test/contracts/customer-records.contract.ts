import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRepository } from '../../core/ports/accounts';
import type { CustomerRecords } from '../../core/ports/customer-records';
import type { IdentityCaseRepository } from '../../core/ports/identity-cases';
import { completeTestProfile, newAccount } from './account-repository.contract';

export interface CustomerRecordsHarness {
  accounts: AccountRepository;
  cases: IdentityCaseRepository;
  customers: CustomerRecords;
  close(): Promise<void>;
}

/** One behaviour, two databases: every CustomerRecords passes this. */
export function customerRecordsContract(name: string, open: () => Promise<CustomerRecordsHarness>) {
  describe(`CustomerRecords contract: ${name}`, () => {
    let harness: CustomerRecordsHarness;
    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());

    /** A customer with a profile, a session, an identity case and a reviewer's comment naming her. */
    async function customer() {
      const input = newAccount({ email: `Anna.${Date.now().toString(36)}.${Math.random()}@Example.ru` });
      const created = await harness.accounts.createAccount(input);
      if (!created.ok) throw new Error(created.error);
      const id = created.value.id;
      await completeTestProfile(harness.accounts, id, '998877');
      await harness.accounts.openSession({
        id: `s-${id}`,
        accountId: id,
        generation: 0,
        channel: 'web',
        conversationRef: 'ref',
        actor: 'customer:web',
      });
      await harness.cases.openCase(id, 'web', `web:${id}`);
      await harness.accounts.appendAudit({
        accountId: id,
        actor: 'reviewer:U1',
        action: 'identity.rejected',
        details: { caseId: 'c', reason: 'not_matching_profile', comment: 'Иванова Анна, 998877' },
      });
      return { id, input };
    }

    it('finds the account by its e-mail in any letter case and by its phone; nothing for others', async () => {
      const { id, input } = await customer();
      const { customers } = harness;
      expect(await customers.accountOf('email', input.email.toUpperCase())).toBe(id);
      expect(await customers.accountOf('email', input.email.toLowerCase())).toBe(id);
      expect(await customers.accountOf('phone', input.phone)).toBe(id);
      expect(await customers.accountOf('email', `nobody${Date.now()}@example.ru`)).toBeNull();
      expect(await customers.recordOf('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('lists a data request asked in the chat until the export or erasure that fulfils it', async () => {
      const { id, input } = await customer();
      const asked = { accountId: id, kind: 'export' as const, actor: 'customer:tg', requestId: `e-${id}` };
      const first = await harness.accounts.requestData(asked);
      expect(first.fresh).toBe(true);
      // The same message again records nothing more; another one joins the open request.
      expect(await harness.accounts.requestData(asked)).toEqual(first);
      expect(await harness.accounts.requestData({ ...asked, requestId: `e2-${id}` })).toEqual({
        since: first.since,
        fresh: false,
      });
      const erase = await harness.accounts.requestData({ ...asked, kind: 'erase', requestId: `x-${id}` });
      expect(erase.fresh).toBe(true);
      const mine = async () => (await harness.customers.openRequests()).filter((r) => r.accountId === id);
      expect(await mine()).toEqual([
        expect.objectContaining({ kind: 'export', actor: 'customer:tg', since: first.since }),
        expect.objectContaining({ kind: 'erase' }),
      ]);
      expect((await mine())[0]?.contacts.map((c) => c.value)).toEqual([input.email, input.phone]);
      await harness.accounts.appendAudit({
        accountId: id,
        actor: 'operator:cli',
        action: 'customer.exported',
      });
      expect((await mine()).map((r) => r.kind)).toEqual(['erase']);
      // Asked again after it was fulfilled: a new request.
      expect((await harness.accounts.requestData({ ...asked, requestId: `e3-${id}` })).fresh).toBe(true);
    });

    it('gives the whole record with the document decrypted', async () => {
      const { id, input } = await customer();
      const record = await harness.customers.recordOf(id);
      expect(record).toMatchObject({
        account: { id, hasPassword: true },
        consents: [{ agreementVersion: '2026-01', acceptedAt: input.consent.acceptedAt.toISOString() }],
        profile: { surname: 'Иванова', document: { type: 'ru_passport', series: '4510', number: '998877' } },
        sessions: [{ channel: 'web', conversationRef: 'ref' }],
        identityCases: [{ status: 'draft', conversationId: `web:${id}` }],
      });
      expect(record?.contacts.map((c) => c.kind)).toEqual(['email', 'phone']);
      expect(record?.audit[0]?.action).toBe('account.created');
    });

    it('counts on a dry run and changes nothing', async () => {
      const { id } = await customer();
      const before = await harness.customers.recordOf(id);
      const counted = await harness.customers.erase(id, 'operator:test', { dryRun: true, conversations: [] });
      expect(counted).toMatchObject({
        contacts: 2,
        profile: 1,
        sessions: 1,
        identityCases: 1,
        auditEntriesRedacted: 1,
      });
      expect(await harness.customers.recordOf(id)).toEqual(before);
    });

    it('erases all but the consent, redacts the audit log, and records the erasure; again removes nothing', async () => {
      const { id, input } = await customer();
      const removed = await harness.customers.erase(id, 'operator:test', {
        dryRun: false,
        conversations: [],
        elsewhere: { files: 0 },
      });
      expect(removed).toMatchObject({ contacts: 2, profile: 1, sessions: 1, identityCases: 1 });
      expect(await harness.customers.accountOf('email', input.email)).toBeNull();
      expect(await harness.accounts.credentials('phone', input.phone)).toBeNull();
      expect(await harness.cases.latestCase(id)).toBeNull();
      // The account is gone; its consent and audit trail outlive it, naming it by its id only.
      expect(await harness.customers.recordOf(id)).toBeNull();
      const audit = await harness.accounts.auditTrail(id, 100);
      const text = JSON.stringify(audit);
      for (const personal of ['Иванова', '998877', input.email.toLowerCase(), input.phone.slice(1)])
        expect(text.toLowerCase()).not.toContain(personal.toLowerCase());
      const rejected = audit.find((a) => a.action === 'identity.rejected');
      expect(rejected?.details).toEqual({ caseId: 'c', reason: 'not_matching_profile' });
      const erased = audit.find((a) => a.action === 'customer.erased');
      expect(erased).toMatchObject({ actor: 'operator:test', details: { consentsKept: 1, files: 0 } });
      expect(erased?.details?.contacts).toHaveLength(2);

      const again = await harness.customers.erase(id, 'operator:test', { dryRun: false, conversations: [] });
      expect(Object.values(again).every((n) => n === 0)).toBe(true);
      const latest = (await harness.accounts.auditTrail(id, 1))[0];
      expect(latest).toMatchObject({ action: 'customer.erased', details: { consentsKept: 1 } });
    });
  });
}
