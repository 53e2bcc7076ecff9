import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRepository } from '../../core/ports/accounts';
import type { IdentityCaseRepository } from '../../core/ports/identity-cases';
import type { QueuedJob } from '../../core/ports/job-queue';
import { newAccount } from './account-repository.contract';

export interface CasesHarness {
  accounts: AccountRepository;
  /** Cases whose follow-up jobs land in `queued` once their change commits. */
  cases: IdentityCaseRepository;
  queued: QueuedJob[];
  close(): Promise<void>;
}

const sending = { channel: 'tg' as const, conversationId: 'tg:1', documentFingerprint: null };
const image = (fileId: string) => ({
  fileId,
  previewId: `${fileId}-preview`,
  hash: '0'.repeat(64),
  notes: [],
});

/** One behaviour, two databases: identity cases and their compare-and-set life. */
export function identityCasesContract(name: string, open: () => Promise<CasesHarness>) {
  describe(`IdentityCaseRepository contract: ${name}`, () => {
    let harness: CasesHarness;
    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());

    async function draft() {
      const created = await harness.accounts.createAccount(newAccount());
      if (!created.ok) throw new Error('setup failed');
      return harness.cases.openCase(created.value.id, 'tg', `tg:${created.value.id}`);
    }
    const answerBy = new Date(Date.now() + 24 * 3600_000);

    it('counts the cases in each status, with the oldest one’s start', async () => {
      const before = new Map((await harness.cases.census()).map((row) => [row.status, row.count]));
      const startedAt = Date.now();
      await draft();
      await draft();
      const after = await harness.cases.census();
      const drafts = after.find((row) => row.status === 'draft');
      expect(drafts?.count).toBe((before.get('draft') ?? 0) + 2);
      expect(drafts?.oldestSince.getTime()).toBeLessThanOrEqual(startedAt + 1000);
      expect(after.every((row) => row.count > 0)).toBe(true);
    });

    it('keeps one open case per account, even when two are opened at once', async () => {
      const first = await draft();
      const [a, b] = await Promise.all([
        harness.cases.openCase(first.accountId, 'web', 'web:x'),
        harness.cases.openCase(first.accountId, 'web', 'web:y'),
      ]);
      expect(a.id).toBe(first.id);
      expect(b.id).toBe(first.id);
      expect(first).toMatchObject({ status: 'draft', channel: 'tg', images: {} });
    });

    it('submits only a complete draft, once however often "Send" is pressed, and writes it down', async () => {
      const c = await draft();
      const first = await harness.cases.attachImage(c.id, 'main_page', image('AAAAAAAAAAAAAAAAAAAAA1'));
      expect(first.ok && first.value.replaced).toBeNull();
      const second = await harness.cases.attachImage(c.id, 'main_page', image('AAAAAAAAAAAAAAAAAAAAA1'));
      expect(second.ok && second.value.replaced?.fileId).toBe('AAAAAAAAAAAAAAAAAAAAA1');
      expect(await harness.cases.submit(c.id, answerBy, 'customer:tg', sending)).toEqual({
        ok: false,
        error: 'incomplete',
      });
      await Promise.all([
        harness.cases.attachImage(c.id, 'selfie', image('AAAAAAAAAAAAAAAAAAAAA2')),
        harness.cases.attachImage(c.id, 'last_page', image('AAAAAAAAAAAAAAAAAAAAA3')),
      ]);
      const sends = await Promise.all([
        harness.cases.submit(c.id, answerBy, 'customer:tg', sending),
        harness.cases.submit(c.id, answerBy, 'customer:tg', sending),
      ]);
      expect(sends.filter((s) => s.ok)).toHaveLength(1);
      expect(sends.filter((s) => !s.ok)).toEqual([{ ok: false, error: 'conflict' }]);
      const latest = await harness.cases.latestCase(c.accountId);
      expect(latest?.status).toBe('submitted');
      expect(Object.keys(latest?.images ?? {}).sort()).toEqual(['last_page', 'main_page', 'selfie']);
      expect(await harness.cases.attachImage(c.id, 'selfie', image('AAAAAAAAAAAAAAAAAAAAA4'))).toEqual({
        ok: false,
        error: 'conflict',
      });
      const trail = await harness.accounts.auditTrail(c.accountId);
      expect(trail.filter((e) => e.action === 'identity.submitted')).toHaveLength(1);
    });

    it('lets one of two reviewers decide, records who and why, and reopens a case at one image only', async () => {
      const c = await draft();
      for (const [slot, id] of [
        ['main_page', 'BBBBBBBBBBBBBBBBBBBBB1'],
        ['selfie', 'BBBBBBBBBBBBBBBBBBBBB2'],
        ['last_page', 'BBBBBBBBBBBBBBBBBBBBB3'],
      ] as const)
        await harness.cases.attachImage(c.id, slot, image(id));
      await harness.cases.submit(c.id, answerBy, 'customer:tg', sending);
      expect((await harness.cases.casesIn('submitted')).map((x) => x.id)).toContain(c.id);
      const claims = await Promise.all([
        harness.cases.decide(c.id, 'submitted', 'in_review', { reviewer: 'U1' }),
        harness.cases.decide(c.id, 'submitted', 'in_review', { reviewer: 'U2' }),
      ]);
      expect(claims.filter((x) => x.ok)).toHaveLength(1);
      const again = await harness.cases.decide(c.id, 'in_review', 'resubmission_requested', {
        reviewer: 'U1',
        image: 'selfie',
      });
      expect(again.ok && again.value).toMatchObject({
        status: 'resubmission_requested',
        requestedImage: 'selfie',
      });
      // The picture asked for again has left the case: sending again needs a new one.
      expect(again.ok && again.value.images.selfie).toBeUndefined();
      expect(await harness.cases.submit(c.id, answerBy, 'customer:tg', sending)).toEqual({
        ok: false,
        error: 'incomplete',
      });
      expect(await harness.cases.attachImage(c.id, 'main_page', image('BBBBBBBBBBBBBBBBBBBBB9'))).toEqual({
        ok: false,
        error: 'conflict',
      });
      const replaced = await harness.cases.attachImage(c.id, 'selfie', image('BBBBBBBBBBBBBBBBBBBBB5'));
      expect(replaced.ok && replaced.value.replaced).toBeNull();
      const sentAgain = await harness.cases.submit(c.id, answerBy, 'customer:web', {
        channel: 'web',
        conversationId: 'web:other-chat',
        documentFingerprint: 'fp-1',
      });
      // Told where it was last sent from, compared with the document it was sent with.
      expect(sentAgain.ok && sentAgain.value).toMatchObject({
        channel: 'web',
        conversationId: 'web:other-chat',
        documentFingerprint: 'fp-1',
      });
      // A reviewer's page that showed an older version of the case decides nothing.
      const stale = new Date(c.updatedAt.getTime());
      expect(
        await harness.cases.decide(c.id, 'submitted', 'in_review', { reviewer: 'U3', seen: stale }),
      ).toEqual({ ok: false, error: 'conflict' });
      const current = sentAgain.ok ? sentAgain.value.updatedAt : new Date();
      expect(
        (await harness.cases.decide(c.id, 'submitted', 'in_review', { reviewer: 'U2', seen: current })).ok,
      ).toBe(true);
      const rejected = await harness.cases.decide(c.id, 'in_review', 'rejected', {
        reviewer: 'U2',
        reason: 'The selfie does not show the passport',
      });
      expect(rejected.ok && rejected.value).toMatchObject({ status: 'rejected', reviewer: 'U2' });
      expect(await harness.cases.decide(c.id, 'in_review', 'approved', { reviewer: 'U1' })).toEqual({
        ok: false,
        error: 'conflict',
      });
      const trail = await harness.accounts.auditTrail(c.accountId);
      expect(trail.find((e) => e.action === 'identity.rejected')).toMatchObject({
        actor: 'reviewer:U2',
        details: { reason: 'The selfie does not show the passport' },
      });
      // Decided, the case is closed: the next one starts as a new draft.
      expect((await harness.cases.openCase(c.accountId, 'tg', 'tg:1')).id).not.toBe(c.id);
    });

    async function submitted() {
      const c = await draft();
      for (const name of ['main_page', 'selfie', 'last_page'] as const)
        await harness.cases.attachImage(c.id, name, image(`${name}-${c.id}`));
      const sent = await harness.cases.submit(c.id, answerBy, 'customer:tg', sending);
      if (!sent.ok) throw new Error('setup failed');
      return sent.value;
    }
    const job = (key: string): QueuedJob => ({ queue: 'desk', data: { key }, key });
    const queuedKeys = () => harness.queued.map((q) => q.key);

    it("keeps a claimed case its claimer's until the claim expires, and queues what a change names only when it is made", async () => {
      const c = await submitted();
      const claimed = await harness.cases.decide(
        c.id,
        'submitted',
        'in_review',
        { reviewer: 'U1' },
        (changed) => [job(`claimed-${changed.id}-${changed.reviewer}`)],
      );
      expect(claimed.ok && claimed.value).toMatchObject({ status: 'in_review', reviewer: 'U1' });
      expect(queuedKeys()).toContain(`claimed-${c.id}-U1`);
      const fresh = new Date(Date.now() - 60_000); // claims taken before a minute ago have expired
      expect(
        await harness.cases.decide(
          c.id,
          'in_review',
          'approved',
          { reviewer: 'U2', expiredClaimsBefore: fresh },
          () => [job(`approved-${c.id}`)],
        ),
      ).toEqual({ ok: false, error: 'claimed' });
      expect(queuedKeys()).not.toContain(`approved-${c.id}`);
      // The claim taken, counted as expired: another reviewer takes the case over, then decides it.
      const expired = new Date(Date.now() + 1000);
      const takenOver = await harness.cases.decide(c.id, 'in_review', 'in_review', {
        reviewer: 'U2',
        expiredClaimsBefore: expired,
      });
      expect(takenOver.ok && takenOver.value.reviewer).toBe('U2');
      expect(
        (
          await harness.cases.decide(c.id, 'in_review', 'approved', {
            reviewer: 'U1',
            expiredClaimsBefore: fresh,
          })
        ).ok,
      ).toBe(false);
      const approved = await harness.cases.decide(
        c.id,
        'in_review',
        'approved',
        { reviewer: 'U2', expiredClaimsBefore: fresh },
        () => [job(`approved-${c.id}`)],
      );
      expect(approved.ok && approved.value.status).toBe('approved');
      expect(queuedKeys().filter((k) => k === `approved-${c.id}`)).toHaveLength(1);
    });

    it('notes where the desk first posted a submission, without changing its version, and only for that submission', async () => {
      const c = await submitted();
      expect(c.deskRef).toBeNull();
      expect(await harness.cases.noteDeskRef(c.id, new Date(0), 'C1/1.0')).toBe(false);
      expect(await harness.cases.noteDeskRef(c.id, c.submittedAt as Date, 'C1/1.5')).toBe(true);
      // A second post of the same submission (a job run twice) is not noted over the first.
      expect(await harness.cases.noteDeskRef(c.id, c.submittedAt as Date, 'C1/1.6')).toBe(false);
      const after = await harness.cases.caseById(c.id);
      expect(after).toMatchObject({ deskRef: 'C1/1.5', updatedAt: c.updatedAt });
    });

    it("records a refusal at the desk against the case's account", async () => {
      const c = await submitted();
      await harness.cases.recordAtDesk(c.id, 'slack:U666', 'identity.refused', { attempted: 'approve' });
      await harness.cases.recordAtDesk('not-a-case-id', 'slack:U666', 'identity.refused');
      const trail = await harness.accounts.auditTrail(c.accountId);
      expect(trail.find((e) => e.action === 'identity.refused')).toMatchObject({
        actor: 'slack:U666',
        details: { caseId: c.id, attempted: 'approve' },
      });
    });
  });
}
