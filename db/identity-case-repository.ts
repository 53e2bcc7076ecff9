import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { ChannelName } from '../core/messages';
import type {
  CaseStatus,
  IdentityCase,
  IdentityCaseRepository,
  IdentityImage,
} from '../core/ports/identity-cases';
import { identityImages, openStatuses } from '../core/ports/identity-cases';
import { fail, ok } from '../core/result';
import type { Database } from './database';
import { auditLog, identityCases } from './schema';

type Row = typeof identityCases.$inferSelect;

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
});

/** Which decisions a reviewer may take from which status. */
const allowed: Partial<Record<CaseStatus, CaseStatus[]>> = {
  submitted: ['in_review'],
  in_review: ['approved', 'rejected', 'resubmission_requested', 'submitted'],
};

export function createIdentityCaseRepository(db: Database): IdentityCaseRepository {
  const find = async (id: string) => {
    const [row] = await db.select().from(identityCases).where(eq(identityCases.id, id));
    return row ?? null;
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

    async submit(caseId, answerBy, actor, sending) {
      const row = await find(caseId);
      if (!row) return fail('not_found');
      if (row.status !== 'draft' && row.status !== 'resubmission_requested') return fail('conflict');
      if (identityImages.some((image) => !row.images[image])) return fail('incomplete');
      return db.transaction(async (tx) => {
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
        return ok(toCase(updated));
      });
    },

    async decide(caseId, from, to, { reviewer, reason, image, seen }) {
      if (!allowed[from]?.includes(to)) return fail('conflict');
      return db.transaction(async (tx) => {
        const [updated] = await tx
          .update(identityCases)
          .set({
            status: to,
            reviewer,
            reason: to === 'rejected' || to === 'resubmission_requested' ? (reason ?? null) : null,
            requestedImage: to === 'resubmission_requested' ? (image ?? null) : null,
            // The picture asked for again leaves the case: "Send" waits for a new one.
            ...(to === 'resubmission_requested' && image
              ? { images: sql`${identityCases.images} - ${image}::text` }
              : {}),
            updatedAt: new Date(),
          })
          .where(
            and(
              eq(identityCases.id, caseId),
              eq(identityCases.status, from),
              // Compared at the milliseconds a page can carry (the column keeps microseconds).
              seen
                ? sql`date_trunc('milliseconds', ${identityCases.updatedAt}) = ${seen.toISOString()}::timestamptz`
                : undefined,
            ),
          )
          .returning();
        if (!updated) {
          // Inside the transaction: PGlite has one connection, and the transaction holds it.
          const [exists] = await tx
            .select({ id: identityCases.id })
            .from(identityCases)
            .where(eq(identityCases.id, caseId));
          return fail(exists ? 'conflict' : 'not_found');
        }
        await tx.insert(auditLog).values({
          accountId: updated.accountId,
          actor: `reviewer:${reviewer}`,
          action: `identity.${to}`,
          details: { caseId, from, ...(reason ? { reason } : {}), ...(image ? { image } : {}) },
        });
        return ok(toCase(updated));
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
  };
}
