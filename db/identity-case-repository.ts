import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { ChannelName } from '../core/messages';
import type {
  CaseImage,
  CaseStatus,
  FollowUps,
  IdentityCase,
  IdentityCaseRepository,
  IdentityImage,
} from '../core/ports/identity-cases';
import { identityImages, openStatuses } from '../core/ports/identity-cases';
import type { QueuedJob } from '../core/ports/job-queue';
import { fail, ok } from '../core/result';
import type { Database } from './database';
import type { JobWriter } from './jobs/job-writer';
import { auditLog, identityCases } from './schema';

type Row = typeof identityCases.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toCase = (row: Row): IdentityCase => ({
  id: row.id,
  accountId: row.accountId,
  channel: row.channel as ChannelName,
  conversationId: row.conversationId,
  status: row.status as CaseStatus,
  images: row.images as IdentityCase['images'],
  submittedAt: row.submittedAt,
  answerBy: row.answerBy,
  reviewer: row.reviewer,
  reason: row.reason,
  requestedImage: (row.requestedImage as IdentityImage | null) ?? null,
  documentFingerprint: row.documentFingerprint,
  updatedAt: row.updatedAt,
  deskRef: row.deskRef,
});

/** Which decisions a reviewer may take from which status; in review → in review is taking over an expired claim. */
const allowed: Partial<Record<CaseStatus, CaseStatus[]>> = {
  submitted: ['in_review'],
  in_review: ['approved', 'rejected', 'resubmission_requested', 'submitted', 'in_review'],
};

/**
 * `jobs` queues what a change names (FollowUps) in the change's own transaction: pg-boss on the same database in
 * the service, the memory queue after commit in tests.
 */
export function createIdentityCaseRepository(db: Database, jobs: JobWriter): IdentityCaseRepository {
  const find = async (id: string) => {
    if (!UUID.test(id)) return null; // an address or a button naming no case: Postgres would refuse to compare
    const [row] = await db.select().from(identityCases).where(eq(identityCases.id, id));
    return row ?? null;
  };
  /** Runs `change` in a transaction that also queues the follow-ups of the case it returns. */
  const changing = async <T extends { ok: boolean }>(
    then: FollowUps | undefined,
    change: (tx: Database, follow: (changed: Row) => Promise<void>) => Promise<T>,
  ): Promise<T> => {
    const named: QueuedJob[] = [];
    const result = await db.transaction((tx) =>
      change(tx, async (changed) => {
        named.push(...(then?.(toCase(changed)) ?? []));
        await jobs.within(tx, named);
      }),
    );
    if (result.ok && named.length > 0) await jobs.committed(named);
    return result;
  };

  return {
    async openCase(accountId, channel, conversationId) {
      const open = () =>
        db
          .select()
          .from(identityCases)
          .where(
            and(eq(identityCases.accountId, accountId), inArray(identityCases.status, [...openStatuses])),
          );
      const [existing] = await open();
      if (existing) return toCase(existing);
      // The partial unique index keeps one open case per account: a racing second draft inserts nothing.
      await db
        .insert(identityCases)
        .values({ accountId, channel, conversationId, status: 'draft' })
        .onConflictDoNothing();
      const [created] = await open();
      if (!created) throw new Error(`no open identity case for ${accountId} right after opening one`);
      return toCase(created);
    },

    async attachImage(caseId, image, file) {
      return db.transaction(async (tx) => {
        // The row locked: two pictures for one image at once are put in one after the other, each told
        // what it replaced (PGlite has one connection: everything here goes through `tx`).
        const [row] = await tx.select().from(identityCases).where(eq(identityCases.id, caseId)).for('update');
        if (!row) return fail('not_found');
        const reopened = row.status === 'resubmission_requested';
        if (row.status !== 'draft' && !(reopened && row.requestedImage === image)) return fail('conflict');
        const [updated] = await tx
          .update(identityCases)
          .set({
            images: sql`${identityCases.images} || ${JSON.stringify({ [image]: file })}::jsonb`,
            updatedAt: new Date(),
          })
          .where(eq(identityCases.id, caseId))
          .returning();
        if (!updated) return fail('not_found');
        const replaced = (row.images as IdentityCase['images'])[image] ?? null;
        return ok({ case: toCase(updated), replaced });
      });
    },

    async submit(caseId, answerBy, actor, sending, then) {
      const row = await find(caseId);
      if (!row) return fail('not_found');
      if (row.status !== 'draft' && row.status !== 'resubmission_requested') return fail('conflict');
      if (identityImages.some((image) => !row.images[image])) return fail('incomplete');
      return changing(then, async (tx, follow) => {
        const [updated] = await tx
          .update(identityCases)
          .set({
            status: 'submitted',
            submittedAt: new Date(),
            answerBy,
            channel: sending.channel,
            conversationId: sending.conversationId,
            documentFingerprint: sending.documentFingerprint,
            requestedImage: null,
            reviewer: null,
            claimedAt: null,
            // A submission sent again is a new post at the desk; the old message keeps showing what was asked.
            deskRef: null,
            updatedAt: new Date(),
          })
          .where(and(eq(identityCases.id, caseId), eq(identityCases.status, row.status)))
          .returning();
        if (!updated) return fail('conflict');
        await tx.insert(auditLog).values({
          accountId: row.accountId,
          actor,
          action: 'identity.submitted',
          details: { caseId, again: row.status === 'resubmission_requested' },
        });
        await follow(updated);
        return ok(toCase(updated));
      });
    },

    async decide(caseId, from, to, { reviewer, reason, image, comment, seen, expiredClaimsBefore }, then) {
      if (!allowed[from]?.includes(to)) return fail('conflict');
      return changing(then, async (tx, follow) => {
        const now = new Date();
        const [updated] = await tx
          .update(identityCases)
          .set({
            status: to,
            reviewer,
            ...(to === 'in_review' ? { claimedAt: now } : {}),
            ...(to === 'approved' || to === 'rejected' ? { decidedAt: now } : {}),
            reason: to === 'rejected' || to === 'resubmission_requested' ? (reason ?? null) : null,
            requestedImage: to === 'resubmission_requested' ? (image ?? null) : null,
            // The picture asked for again leaves the case: "Send" waits for a new one.
            ...(to === 'resubmission_requested' && image
              ? { images: sql`${identityCases.images} - ${image}::text` }
              : {}),
            updatedAt: now,
          })
          .where(
            and(
              eq(identityCases.id, caseId),
              eq(identityCases.status, from),
              // Compared at the milliseconds a page can carry (the column keeps microseconds).
              seen
                ? sql`date_trunc('milliseconds', ${identityCases.updatedAt}) = ${seen.toISOString()}::timestamptz`
                : undefined,
              // A claimed case is its claimer's, until the claim expires.
              from === 'in_review' && expiredClaimsBefore
                ? or(
                    eq(identityCases.reviewer, reviewer),
                    isNull(identityCases.claimedAt),
                    lt(identityCases.claimedAt, expiredClaimsBefore),
                  )
                : undefined,
            ),
          )
          .returning();
        if (!updated) {
          // Inside the transaction: PGlite has one connection, and the transaction holds it.
          const [found] = await tx.select().from(identityCases).where(eq(identityCases.id, caseId));
          if (!found) return fail('not_found');
          const heldByAnother =
            from === 'in_review' &&
            found.status === 'in_review' &&
            found.reviewer !== reviewer &&
            expiredClaimsBefore !== undefined &&
            found.claimedAt !== null &&
            found.claimedAt >= expiredClaimsBefore;
          return fail(heldByAnother ? 'claimed' : 'conflict');
        }
        await tx.insert(auditLog).values({
          accountId: updated.accountId,
          actor: `reviewer:${reviewer}`,
          action: `identity.${to}`,
          details: {
            caseId,
            from,
            ...(reason ? { reason } : {}),
            ...(image ? { image } : {}),
            ...(comment ? { comment: comment.slice(0, 500) } : {}),
          },
        });
        await follow(updated);
        return ok(toCase(updated));
      });
    },

    async noteDeskRef(caseId, submittedAt, ref) {
      // Not a change of the case: its version (what a reviewer's page names) stays as it is.
      const noted = await db
        .update(identityCases)
        .set({ deskRef: ref })
        // The first post noted wins: a second one (a job run twice) is the caller's to take back.
        .where(
          and(
            eq(identityCases.id, caseId),
            eq(identityCases.submittedAt, submittedAt),
            isNull(identityCases.deskRef),
          ),
        )
        .returning({ id: identityCases.id });
      return noted.length > 0;
    },

    async recordAtDesk(caseId, actor, action, details = {}) {
      const row = await find(caseId);
      await db.insert(auditLog).values({
        accountId: row?.accountId ?? null,
        actor,
        action,
        details: { caseId: caseId.slice(0, 64), ...details },
      });
    },

    async caseById(caseId) {
      const row = await find(caseId);
      return row ? toCase(row) : null;
    },

    async latestCase(accountId) {
      const [row] = await db
        .select()
        .from(identityCases)
        .where(eq(identityCases.accountId, accountId))
        .orderBy(desc(identityCases.createdAt))
        .limit(1);
      return row ? toCase(row) : null;
    },

    async casesIn(status, limit = 100) {
      const rows = await db
        .select()
        .from(identityCases)
        .where(eq(identityCases.status, status))
        .orderBy(asc(sql`coalesce(${identityCases.submittedAt}, ${identityCases.createdAt})`))
        .limit(limit);
      return rows.map(toCase);
    },

    async decidedWithImagesBefore(cutoff, limit = 100, after) {
      const rows = await db
        .select()
        .from(identityCases)
        .where(
          and(
            inArray(identityCases.status, ['approved', 'rejected']),
            lt(identityCases.decidedAt, cutoff),
            sql`${identityCases.images} <> '{}'::jsonb`,
            after ? gt(identityCases.id, after) : undefined,
          ),
        )
        .orderBy(asc(identityCases.id))
        .limit(limit);
      return rows.map(toCase);
    },

    async imagesPurged(caseId, by) {
      return db.transaction(async (tx) => {
        const [cleared] = await tx
          .update(identityCases)
          .set({ images: {} })
          .where(and(eq(identityCases.id, caseId), sql`${identityCases.images} <> '{}'::jsonb`))
          .returning({ accountId: identityCases.accountId });
        if (!cleared) return false;
        await tx.insert(auditLog).values({
          accountId: cleared.accountId,
          actor: 'system:retention',
          action: 'identity.images_purged',
          details: { caseId, rule: by },
        });
        return true;
      });
    },

    async namedFiles() {
      const rows = await db
        .select({ images: identityCases.images })
        .from(identityCases)
        .where(sql`${identityCases.images} <> '{}'::jsonb`);
      const named = new Set<string>();
      for (const { images } of rows)
        for (const image of Object.values(images as Record<string, CaseImage>)) {
          named.add(image.fileId);
          named.add(image.previewId);
        }
      return named;
    },

    async census() {
      const since = sql<Date>`min(coalesce(${identityCases.submittedAt}, ${identityCases.createdAt}))`;
      const rows = await db
        .select({ status: identityCases.status, count: sql<number>`count(*)::int`, oldestSince: since })
        .from(identityCases)
        .groupBy(identityCases.status);
      return rows.map((row) => ({
        status: row.status as CaseStatus,
        count: Number(row.count),
        oldestSince: new Date(row.oldestSince),
      }));
    },
  };
}
