import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { ChannelName } from '../core/messages';
import type { ActivationOutcome, ActivationRepository } from '../core/ports/activation';
import type { Database } from './database';
import { accounts, activationTokens, auditLog, consents, contacts } from './schema';

/** How often an account may have a new link. */
const RENEW_EVERY_MS = 60_000;

export function createActivationRepository(db: Database): ActivationRepository {
  return {
    async activate(tokenHash) {
      return db.transaction(async (tx) => {
        // The account is locked first, in the order a withdrawal locks (the account, then its links by
        // cascade): a link followed while its registration is withdrawn waits, instead of deadlocking.
        const [owner] = await tx
          .select({ accountId: activationTokens.accountId })
          .from(activationTokens)
          .where(eq(activationTokens.tokenHash, tokenHash));
        if (owner)
          await tx
            .select({ id: accounts.id })
            .from(accounts)
            .where(eq(accounts.id, owner.accountId))
            .for('update');
        // Marked used in the same statement that finds it: a link opened twice at once activates once.
        const [used] = await tx
          .update(activationTokens)
          .set({ usedAt: new Date() })
          .where(
            and(
              eq(activationTokens.tokenHash, tokenHash),
              isNull(activationTokens.usedAt),
              gt(activationTokens.expiresAt, new Date()),
            ),
          )
          .returning({
            accountId: activationTokens.accountId,
            conversationId: activationTokens.conversationId,
            channel: activationTokens.channel,
          });
        if (used) {
          await tx.update(accounts).set({ activatedAt: new Date() }).where(eq(accounts.id, used.accountId));
          // The link reached the mailbox: the e-mail is proven.
          await tx
            .update(contacts)
            .set({ verifiedAt: new Date() })
            .where(and(eq(contacts.accountId, used.accountId), eq(contacts.kind, 'email')));
          await tx
            .insert(auditLog)
            .values({ accountId: used.accountId, actor: 'customer:link', action: 'account.activated' });
          const notify =
            used.conversationId && used.channel
              ? { conversationId: used.conversationId, channel: used.channel as ChannelName }
              : null;
          return { ok: true as const, accountId: used.accountId, notify };
        }
        return whyNot(tx, tokenHash);
      });
    },

    async inspect(tokenHash) {
      const [pending] = await db
        .select({ accountId: activationTokens.accountId, phone: contacts.value })
        .from(activationTokens)
        .innerJoin(
          contacts,
          and(eq(contacts.accountId, activationTokens.accountId), eq(contacts.kind, 'phone')),
        )
        .where(
          and(
            eq(activationTokens.tokenHash, tokenHash),
            isNull(activationTokens.usedAt),
            gt(activationTokens.expiresAt, new Date()),
          ),
        );
      if (pending) return { ok: true, accountId: pending.accountId, phoneEnd: pending.phone.slice(-4) };
      return whyNot(db, tokenHash);
    },

    async unactivatedBefore(before, limit) {
      const rows = await db
        .select({ accountId: activationTokens.accountId })
        .from(activationTokens)
        .innerJoin(accounts, eq(accounts.id, activationTokens.accountId))
        .where(isNull(accounts.activatedAt))
        .groupBy(activationTokens.accountId)
        // As text: postgres.js takes no Date where the column's type is lost (an aggregate).
        .having(sql`max(${activationTokens.expiresAt}) < ${before.toISOString()}::timestamptz`)
        .limit(limit);
      return rows.map((row) => row.accountId);
    },

    async withdrawUnactivated(accountId, actor, reason) {
      return db.transaction(async (tx) => {
        // Who registered it, for the audit entry that outlives it: the phone's end and the registering chat.
        const [phone] = await tx
          .select({ value: contacts.value })
          .from(contacts)
          .where(and(eq(contacts.accountId, accountId), eq(contacts.kind, 'phone')));
        const [link] = await tx
          .select({ channel: activationTokens.channel })
          .from(activationTokens)
          .where(eq(activationTokens.accountId, accountId))
          .limit(1);
        // Contacts and links cascade; the consent, given by whoever typed this mailbox, goes too (it outlives an
        // erasure only: db/customer-records.ts). The audit entries outlive the account, naming it.
        const [withdrawn] = await tx
          .delete(accounts)
          .where(and(eq(accounts.id, accountId), isNull(accounts.activatedAt)))
          .returning({ id: accounts.id });
        if (!withdrawn) return false;
        await tx.delete(consents).where(eq(consents.accountId, accountId));
        await tx.insert(auditLog).values({
          accountId, // the audit log outlives the accounts it names
          actor,
          action: 'account.withdrawn',
          details: {
            account: accountId,
            reason,
            registeredWithPhoneEndingIn: phone?.value.slice(-4) ?? null,
            registeredIn: link?.channel ?? null,
          },
        });
        return true;
      });
    },

    async renewActivation(accountId, passwordHash, pending) {
      return db.transaction(async (tx) => {
        const [waiting] = await tx
          .select({ id: accounts.id })
          .from(accounts)
          .where(and(eq(accounts.id, accountId), isNull(accounts.activatedAt)))
          .for('update');
        if (!waiting) return 'active' as const;
        // One new link a minute: each one replaces the temporary password and the previous link.
        const [recent] = await tx
          .select({ tokenHash: activationTokens.tokenHash })
          .from(activationTokens)
          .where(
            and(
              eq(activationTokens.accountId, accountId),
              gt(activationTokens.createdAt, new Date(pending.createdAt.getTime() - RENEW_EVERY_MS)),
            ),
          )
          .orderBy(desc(activationTokens.createdAt))
          .limit(1);
        // The same request again (a re-run turn, a second press): it stands, and its e-mail is made sure of.
        if (recent)
          return recent.tokenHash === pending.tokenHash ? ('renewed' as const) : ('too_soon' as const);
        const inserted = await tx
          .insert(activationTokens)
          .values({ accountId, ...pending })
          .onConflictDoNothing()
          .returning({ tokenHash: activationTokens.tokenHash });
        // A token that exists already belongs to an earlier request: never reuse it (nor hand over another's).
        if (inserted.length === 0) return 'too_soon' as const;
        await tx
          .update(activationTokens)
          .set({ expiresAt: new Date() })
          .where(
            and(
              eq(activationTokens.accountId, accountId),
              isNull(activationTokens.usedAt),
              ne(activationTokens.tokenHash, pending.tokenHash),
            ),
          );
        await tx
          .update(accounts)
          .set({ passwordHash, temporaryPasswordUntil: pending.temporaryPasswordUntil })
          .where(eq(accounts.id, accountId));
        await tx.insert(auditLog).values({ accountId, actor: 'customer:link', action: 'activation.renewed' });
        return 'renewed' as const;
      });
    },
  };
}

/** Why a link cannot be followed (any more): unknown, used, replaced by a newer one, or expired. */
async function whyNot(tx: Database, tokenHash: string): Promise<Extract<ActivationOutcome, { ok: false }>> {
  const [token] = await tx
    .select({
      accountId: activationTokens.accountId,
      usedAt: activationTokens.usedAt,
      createdAt: activationTokens.createdAt,
    })
    .from(activationTokens)
    .where(eq(activationTokens.tokenHash, tokenHash));
  if (!token) return { ok: false as const, error: 'unknown' as const, accountId: null };
  if (token.usedAt) return { ok: false as const, error: 'used' as const, accountId: token.accountId };
  const [newer] = await tx
    .select({ tokenHash: activationTokens.tokenHash })
    .from(activationTokens)
    .where(
      and(eq(activationTokens.accountId, token.accountId), gt(activationTokens.createdAt, token.createdAt)),
    )
    .limit(1);
  return {
    ok: false as const,
    error: newer ? ('superseded' as const) : ('expired' as const),
    accountId: token.accountId,
  };
}
