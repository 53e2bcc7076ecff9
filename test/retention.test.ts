import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import type { FileStore } from '../core/ports/file-store';
import type { IdentityCaseRepository } from '../core/ports/identity-cases';
import { createRetention } from '../core/retention';
import { createAccountRepository } from '../db/account-repository';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createDirectoryFileStore } from '../db/files/directory-file-store';
import { createIdentityCaseRepository } from '../db/identity-case-repository';
import { afterCommitJobWriter } from '../db/jobs/job-writer';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { newAccount } from './contracts/account-repository.contract';

const DAY = 24 * 60 * 60 * 1000;
const key = new Uint8Array(32).fill(21);

/**
 * Identity pictures are deleted a set number of days after their case is decided (152-FZ: kept no longer than
 * needed): the files and the case's mention of them, with an audit entry; open cases and recent decisions keep
 * theirs. On the embedded database with real files, under a clock moved by hand.
 */
describe('retention of identity pictures', () => {
  let database: OpenDatabase;
  let directory: string;
  let files: FileStore;
  let cases: IdentityCaseRepository;
  let accounts: ReturnType<typeof createAccountRepository>;
  const queue = createMemoryJobQueue();

  beforeAll(async () => {
    database = await openDatabase({ dataDir: null });
    directory = await mkdtemp(join(tmpdir(), 'kabinet-retention-'));
    files = createDirectoryFileStore(directory, key);
    accounts = createAccountRepository(database, createFieldCipher(key));
    cases = createIdentityCaseRepository(database.db, afterCommitJobWriter(queue));
  });
  afterAll(async () => {
    await queue.stop();
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** A case with three stored pictures (and their previews), sent for review; `decide` takes it to a decision. */
  async function sentCase(decide?: 'approved' | 'rejected') {
    const created = await accounts.createAccount(newAccount());
    if (!created.ok) throw new Error('setup failed');
    const c = await cases.openCase(created.value.id, 'tg', `tg:${created.value.id}`);
    for (const slot of ['main_page', 'last_page', 'selfie'] as const) {
      const [file, preview] = await Promise.all([
        files.put(new TextEncoder().encode(`${slot} of ${c.id}`), 'image/jpeg'),
        files.put(new TextEncoder().encode(`preview of ${slot}`), 'image/jpeg'),
      ]);
      await cases.attachImage(c.id, slot, {
        fileId: file.id,
        previewId: preview.id,
        hash: '0'.repeat(64),
        notes: [],
      });
    }
    const sending = { channel: 'tg' as const, conversationId: 'tg:1', documentFingerprint: null };
    await cases.submit(c.id, new Date(Date.now() + DAY), 'customer:tg', sending);
    if (decide) {
      await cases.decide(c.id, 'submitted', 'in_review', { reviewer: 'U1' });
      const decided = await cases.decide(c.id, 'in_review', decide, { reviewer: 'U1', reason: 'blurred' });
      if (!decided.ok) throw new Error(`could not decide: ${decided.error}`);
    }
    const stored = await cases.caseById(c.id);
    return { id: c.id, accountId: c.accountId, images: Object.values(stored?.images ?? {}) };
  }
  /** Retention as the hourly job runs it, its clock `ms` ahead. */
  const retentionAt = (ms: number, store: FileStore = files) =>
    createRetention({
      cases,
      sessions: accounts,
      activation: accounts,
      files: store,
      queue,
      imageDays: 30,
      logger: silentLogger,
      now: () => Date.now() + ms,
    });
  const fileIdsOf = (c: Awaited<ReturnType<typeof sentCase>>) =>
    c.images.flatMap((i) => [i.fileId, i.previewId]);
  const stillStored = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => files.get(id)))).filter(Boolean).length;

  it('keeps pictures through the period, deletes them after it, and writes each deletion down', async () => {
    const approved = await sentCase('approved');
    const rejected = await sentCase('rejected');
    const open = await sentCase();
    expect(await stillStored([...fileIdsOf(approved), ...fileIdsOf(rejected)])).toBe(12);
    const at = (days: number) => retentionAt(days * DAY);

    expect(await at(29).purgeImages()).toBe(0);
    expect(await stillStored(fileIdsOf(approved))).toBe(6);

    expect(await at(31).purgeImages()).toBe(2);
    for (const decided of [approved, rejected]) {
      expect(await stillStored(fileIdsOf(decided))).toBe(0);
      expect((await cases.caseById(decided.id))?.images).toEqual({});
      const trail = await accounts.auditTrail(decided.accountId);
      expect(trail.filter((e) => e.action === 'identity.images_purged')).toHaveLength(1);
      // The decision itself stays.
      expect((await cases.caseById(decided.id))?.status).toMatch(/approved|rejected/);
    }
    // A case still under review keeps its pictures, however old.
    expect(await stillStored(fileIdsOf(open))).toBe(6);
    // Nothing left to do: a second run deletes nothing and writes nothing.
    expect(await at(32).purgeImages()).toBe(0);
    expect(
      (await accounts.auditTrail(approved.accountId)).filter((e) => e.action === 'identity.images_purged'),
    ).toHaveLength(1);
  });

  it('passes over a case whose files cannot be deleted, and clears the others', async () => {
    const stuck = await sentCase('approved');
    const fine = await sentCase('rejected');
    const failing: FileStore = {
      ...files,
      delete: (id) =>
        fileIdsOf(stuck).includes(id) ? Promise.reject(new Error('EACCES')) : files.delete(id),
    };
    expect(await retentionAt(31 * DAY, failing).purgeImages()).toBe(1);
    expect(await stillStored(fileIdsOf(fine))).toBe(0);
    expect(Object.keys((await cases.caseById(stuck.id))?.images ?? {})).toHaveLength(3); // tried again next hour
  });

  it('deletes files no case names once they are a day old, and keeps every file a case names', async () => {
    const named = await sentCase();
    const [orphan, dropped] = await Promise.all([
      files.put(new TextEncoder().encode('stored, then the process died'), 'image/jpeg'),
      files.put(new TextEncoder().encode('replaced, and its delete failed'), 'image/jpeg'),
    ]);
    expect(await retentionAt(0).sweepUnnamedFiles()).toBe(0); // nothing a day old yet
    expect(await retentionAt(DAY + 60_000).sweepUnnamedFiles()).toBeGreaterThanOrEqual(2);
    expect(await files.get(orphan.id)).toBeNull();
    expect(await files.get(dropped.id)).toBeNull();
    expect(await stillStored(fileIdsOf(named))).toBe(6);
  });

  it('withdraws a registration never activated a month after its last link expired, freeing its contacts', async () => {
    const pending = (tag: string) =>
      newAccount({
        activation: {
          tokenHash: `${tag}-${Date.now()}-${Math.random()}`,
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 72 * 60 * 60 * 1000),
          temporaryPasswordUntil: new Date(Date.now() + 72 * 60 * 60 * 1000),
          conversationId: 'tg:1',
          channel: 'tg',
        },
      });
    const unfinished = pending('unfinished');
    const created = await accounts.createAccount(unfinished);
    const active = await accounts.createAccount(newAccount());
    if (!created.ok || !active.ok) throw new Error('setup failed');
    // Its link expires in three days: a month after that it is still kept, a day later it goes.
    expect(await retentionAt(32 * DAY).purgeUnactivated()).toBe(0);
    expect(await accounts.findByContact('email', unfinished.email)).not.toBeNull();
    expect(await retentionAt(34 * DAY).purgeUnactivated()).toBeGreaterThanOrEqual(1);
    expect(await accounts.findByContact('email', unfinished.email)).toBeNull();
    expect(await accounts.findByContact('phone', unfinished.phone)).toBeNull();
    const trail = await accounts.auditTrail(created.value.id);
    expect(trail[0]).toMatchObject({ action: 'account.withdrawn', actor: 'retention' });
    // An account made without a link (active from the start) stays, however old.
    expect(await accounts.findByContact('email', active.value.email)).not.toBeNull();
  });

  it('runs once an hour however many instances ask', async () => {
    const retention = createRetention({
      cases,
      sessions: accounts,
      files,
      queue,
      imageDays: 30,
      logger: silentLogger,
      now: () => 7 * 3_600_000,
    });
    expect(await retention.schedule()).toBe(true);
    expect(await retention.schedule()).toBe(false); // another instance, the same hour
  });
});
