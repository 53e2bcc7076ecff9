import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRepository } from '../../core/ports/accounts';
import type { NewSession } from '../../core/ports/sessions';
import { newAccount, type RepositoryHarness } from './account-repository.contract';

let counter = 0;
const must = <T>(value: T | null): T => {
  if (value === null) throw new Error('expected a value');
  return value;
};

/** One behaviour, two databases: the sessions part of every AccountRepository. */
export function sessionsContract(name: string, open: () => Promise<RepositoryHarness>) {
  describe(`SessionRepository contract: ${name}`, () => {
    let harness: RepositoryHarness;
    let records: AccountRepository;
    beforeAll(async () => {
      harness = await open();
      records = harness.accounts;
    });
    afterAll(async () => harness?.close());

    async function account() {
      const input = newAccount();
      const created = await records.createAccount(input);
      if (!created.ok) throw new Error('setup failed');
      const credentials = await records.credentials('email', input.email);
      if (!credentials) throw new Error('no credentials');
      return { ...input, ...credentials };
    }
    const session = (accountId: string, generation: number, channel: 'web' | 'tg' = 'web'): NewSession => ({
      id: `s${Date.now().toString(36)}${++counter}`,
      accountId,
      generation,
      channel,
      conversationRef: `ref-${counter}`,
      actor: `customer:${channel}`,
    });
    const change = (accountId: string, requestId: string) => ({
      accountId,
      passwordHash: `$2b$04$${requestId.padEnd(53, 'x')}`,
      requestId,
      actor: 'customer:web',
      details: { mode: 'chosen' },
    });

    it('finds the credentials by either contact, and nothing for an unknown one', async () => {
      const a = await account();
      expect(await records.credentials('phone', a.phone)).toEqual({
        accountId: a.accountId,
        passwordHash: a.passwordHash,
        generation: 0,
        activated: true,
        temporaryUntil: null,
      });
      expect(await records.credentials('email', `nobody${counter}@example.ru`)).toBeNull();
    });

    it('opens a session that is live, listed and found again by its conversation; opening it twice is one', async () => {
      const a = await account();
      const s = session(a.accountId, a.generation, 'tg');
      expect(await records.openSession(s)).toBe(true);
      expect(await records.openSession(s)).toBe(true);
      expect(await records.sessionStatus(s.id)).toEqual({ live: true, accountId: a.accountId });
      expect((await records.listSessions(a.accountId)).map((x) => [x.id, x.channel])).toEqual([[s.id, 'tg']]);
      expect(await records.resumeSession(s.conversationRef)).toEqual({ id: s.id, accountId: a.accountId });
      const opened = (await records.auditTrail(a.accountId)).filter((e) => e.action === 'session.opened');
      expect(opened).toHaveLength(1);
    });

    it('ends a session at sign-out, once, and then neither lists nor resumes it', async () => {
      const a = await account();
      const s = session(a.accountId, a.generation);
      await records.openSession(s);
      await records.endSession(s.id, 'logged_out');
      await records.endSession(s.id, 'expired');
      expect(await records.sessionStatus(s.id)).toEqual({ live: false, reason: 'logged_out' });
      expect(await records.listSessions(a.accountId)).toEqual([]);
      expect(await records.resumeSession(s.conversationRef)).toBeNull();
      expect(await records.sessionStatus('no-such-session')).toEqual({ live: false, reason: 'unknown' });
    });

    it('deletes sessions long over (signed out, or ended by a password change), never a live one', async () => {
      const a = await account();
      const signedOut = session(a.accountId, a.generation);
      const changedAway = session(a.accountId, a.generation, 'tg');
      await records.openSession(signedOut);
      await records.openSession(changedAway);
      await records.endSession(signedOut.id, 'logged_out');
      const changed = must(await records.changePassword(change(a.accountId, 'purge-1')));
      const live = session(a.accountId, changed.generation, 'tg');
      await records.openSession(live);
      // Not long enough ago: nothing goes.
      expect(await records.purgeSessions(new Date(Date.now() - 60_000))).toBe(0);
      expect(await records.purgeSessions(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(2);
      expect(await records.sessionStatus(signedOut.id)).toEqual({ live: false, reason: 'unknown' });
      expect(await records.sessionStatus(changedAway.id)).toEqual({ live: false, reason: 'unknown' });
      expect(await records.sessionStatus(live.id)).toEqual({ live: true, accountId: a.accountId });
    });

    it('ends every session when the password changes, once per request, and refuses a session checked before it', async () => {
      const a = await account();
      const first = session(a.accountId, a.generation);
      const second = session(a.accountId, a.generation, 'tg');
      await records.openSession(first);
      await records.openSession(second);
      const changed = must(await records.changePassword(change(a.accountId, 'reset-1')));
      expect(changed.generation).toBe(a.generation + 1);
      // The same request again (a re-run turn) changes nothing more.
      expect(await records.changePassword(change(a.accountId, 'reset-1'))).toEqual(changed);
      for (const s of [first, second])
        expect(await records.sessionStatus(s.id)).toEqual({ live: false, reason: 'password_changed' });
      // A sign-in that checked the old password cannot open a session after the change.
      expect(await records.openSession(session(a.accountId, a.generation))).toBe(false);
      expect(await records.openSession(session(a.accountId, changed.generation))).toBe(true);
      expect((await records.credentials('email', a.email))?.passwordHash).toBe(
        change(a.accountId, 'reset-1').passwordHash,
      );
      const actions = (await records.auditTrail(a.accountId)).map((e) => e.action);
      expect(actions.filter((x) => x === 'password.changed')).toHaveLength(1);
    });

    it('does not let a session a password change ended end the sessions opened after it', async () => {
      const a = await account();
      const stolen = session(a.accountId, a.generation);
      await records.openSession(stolen);
      const { generation } = must(await records.changePassword(change(a.accountId, 'reset-owner')));
      const owner = session(a.accountId, generation);
      await records.openSession(owner);
      expect(await records.endOtherSessions(a.accountId, stolen.id, 'customer:web')).toBe(0);
      expect(await records.sessionStatus(stolen.id)).toEqual({ live: false, reason: 'password_changed' });
      expect(await records.sessionStatus(owner.id)).toEqual({ live: true, accountId: a.accountId });
    });

    it('ends the other sessions and keeps the one that asked', async () => {
      const a = await account();
      const mine = session(a.accountId, a.generation);
      const others = [session(a.accountId, a.generation, 'tg'), session(a.accountId, a.generation)];
      for (const s of [mine, ...others]) await records.openSession(s);
      expect(await records.endOtherSessions(a.accountId, mine.id, 'customer:web')).toBe(2);
      expect(await records.sessionStatus(mine.id)).toEqual({ live: true, accountId: a.accountId });
      for (const s of others)
        expect(await records.sessionStatus(s.id)).toEqual({ live: false, reason: 'ended_elsewhere' });
      expect((await records.listSessions(a.accountId)).map((s) => s.id)).toEqual([mine.id]);
      expect(await records.endOtherSessions(a.accountId, mine.id, 'customer:web')).toBe(0);
    });
  });
}
