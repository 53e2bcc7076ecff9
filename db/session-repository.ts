import { and, desc, eq, gt, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { contactKey } from '../core/contacts';
import type { ChannelName } from '../core/messages';
import type { SessionEnd, SessionRepository } from '../core/ports/sessions';
import type { Database } from './database';
import { accounts, auditLog, contacts, sessions } from './schema';

/** A live session's last activity is written at most this often: a chatty conversation costs reads, not writes. */
const TOUCH_EVERY_MS = 60_000;

/** A session row is live while it is not ended and carries its account's current generation. */
const isLive = and(isNull(sessions.endedAt), eq(sessions.generation, accounts.sessionGeneration));

export function createSessionRepository(db: Database): SessionRepository {
  return {
    async credentials(kind, value) {
      // One query whether or not the contact is known: the answer's timing says nothing about it.
      const [row] = await db
        .select({
          accountId: accounts.id,
          passwordHash: accounts.passwordHash,
          generation: accounts.sessionGeneration,
          activatedAt: accounts.activatedAt,
          temporaryUntil: accounts.temporaryPasswordUntil,
        })
        .from(contacts)
        .innerJoin(accounts, eq(accounts.id, contacts.accountId))
        .where(and(eq(contacts.kind, kind), eq(contacts.key, contactKey(kind, value))));
      if (!row) return null;
      const { activatedAt, ...credentials } = row;
      return { ...credentials, activated: activatedAt !== null };
    },

    async openSession(session) {
      return db.transaction(async (tx) => {
        // FOR SHARE: a password change committing meanwhile waits for us, or we see its new generation.
        const [account] = await tx
          .select({ generation: accounts.sessionGeneration })
          .from(accounts)
          .where(eq(accounts.id, session.accountId))
          .for('share');
        if (!account || account.generation !== session.generation) return false;
        const inserted = await tx
          .insert(sessions)
          .values({
            id: session.id,
            accountId: session.accountId,
            channel: session.channel,
            conversationRef: session.conversationRef,
            generation: session.generation,
          })
          .onConflictDoNothing()
          .returning({ id: sessions.id });
        if (inserted.length > 0) {
          await tx.insert(auditLog).values({
            accountId: session.accountId,
            actor: session.actor,
            action: 'session.opened',
            details: { channel: session.channel },
          });
          return true;
        }
        // Opened before by this very request (a re-run turn): live unless it has ended since.
        const [existing] = await tx
          .select({ live: sql<boolean>`${isLive}` })
          .from(sessions)
          .innerJoin(accounts, eq(accounts.id, sessions.accountId))
          .where(and(eq(sessions.id, session.id), eq(sessions.accountId, session.accountId)));
        return existing?.live === true;
      });
    },

    async sessionStatus(id) {
      const [row] = await db
        .select({
          accountId: sessions.accountId,
          endReason: sessions.endReason,
          endedAt: sessions.endedAt,
          generation: sessions.generation,
          lastActiveAt: sessions.lastActiveAt,
          accountGeneration: accounts.sessionGeneration,
          accountReason: accounts.sessionsEndedReason,
        })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.accountId))
        .where(eq(sessions.id, id));
      if (!row) return { live: false, reason: 'unknown' };
      if (row.endedAt) return { live: false, reason: asReason(row.endReason) };
      if (row.generation !== row.accountGeneration)
        return { live: false, reason: asReason(row.accountReason) };
      if (Date.now() - row.lastActiveAt.getTime() > TOUCH_EVERY_MS) {
        await db.update(sessions).set({ lastActiveAt: new Date() }).where(eq(sessions.id, id));
      }
      return { live: true, accountId: row.accountId };
    },

    async resumeSession(conversationRef) {
      const [row] = await db
        .select({ id: sessions.id, accountId: sessions.accountId })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.accountId))
        .where(and(eq(sessions.conversationRef, conversationRef), isLive))
        .orderBy(desc(sessions.lastActiveAt))
        .limit(1);
      return row ?? null;
    },

    async listSessions(accountId) {
      const rows = await db
        .select({
          id: sessions.id,
          channel: sessions.channel,
          startedAt: sessions.startedAt,
          lastActiveAt: sessions.lastActiveAt,
        })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.accountId))
        .where(and(eq(sessions.accountId, accountId), isLive))
        .orderBy(desc(sessions.lastActiveAt), desc(sessions.startedAt));
      return rows.map((row) => ({ ...row, channel: row.channel as ChannelName }));
    },

    async purgeSessions(cutoff) {
      const stale = sql`${sessions.generation} < (select ${accounts.sessionGeneration} from ${accounts} where ${accounts.id} = ${sessions.accountId})`;
      const gone = await db
        .delete(sessions)
        .where(or(lt(sessions.endedAt, cutoff), and(stale, lt(sessions.lastActiveAt, cutoff))))
        .returning({ id: sessions.id });
      return gone.length;
    },

    async endSession(id, reason) {
      await db
        .update(sessions)
        .set({ endedAt: new Date(), endReason: reason })
        .where(and(eq(sessions.id, id), isNull(sessions.endedAt)));
    },

    async endOtherSessions(accountId, keep, actor) {
      return db.transaction(async (tx) => {
        // The account row first: a password change committing meanwhile either waits for us or is seen here.
        const [account] = await tx
          .select({ generation: accounts.sessionGeneration })
          .from(accounts)
          .where(eq(accounts.id, accountId))
          .for('update');
        if (!account) return 0;
        const live = and(isNull(sessions.endedAt), eq(sessions.generation, account.generation));
        // Only a live session may end the others: one a reset ended must not outlive it by ending the new ones.
        const [asking] = await tx
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.id, keep), eq(sessions.accountId, accountId), live));
        if (!asking) return 0;
        const others = await tx
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.accountId, accountId), ne(sessions.id, keep), live));
        if (others.length === 0) return 0;
        const generation = account.generation + 1;
        await tx
          .update(accounts)
          .set({ sessionGeneration: generation, sessionsEndedReason: 'ended_elsewhere' })
          .where(eq(accounts.id, accountId));
        // The session that asked carries on under the new generation.
        await tx.update(sessions).set({ generation }).where(eq(sessions.id, keep));
        await tx
          .insert(auditLog)
          .values({ accountId, actor, action: 'sessions.ended_others', details: { count: others.length } });
        return others.length;
      });
    },

    async changePassword({ accountId, passwordHash, requestId, actor, details, replacingTemporaryAt }) {
      return db.transaction(async (tx) => {
        const [changed] = await tx
          .update(accounts)
          .set({
            passwordHash,
            temporaryPasswordUntil: null,
            passwordChangedAt: new Date(),
            passwordChangeRef: requestId,
            sessionGeneration: sql`${accounts.sessionGeneration} + 1`,
            sessionsEndedReason: 'password_changed',
          })
          .where(
            and(
              eq(accounts.id, accountId),
              sql`${accounts.passwordChangeRef} is distinct from ${requestId}`,
              replacingTemporaryAt === undefined
                ? undefined
                : and(
                    eq(accounts.sessionGeneration, replacingTemporaryAt),
                    gt(accounts.temporaryPasswordUntil, new Date()),
                    isNotNull(accounts.activatedAt),
                  ),
            ),
          )
          .returning({ generation: accounts.sessionGeneration });
        if (changed) {
          await tx.insert(auditLog).values({ accountId, actor, action: 'password.changed', details });
          return changed;
        }
        const [current] = await tx
          .select({ generation: accounts.sessionGeneration, ref: accounts.passwordChangeRef })
          .from(accounts)
          .where(eq(accounts.id, accountId));
        // Not changed: a repeat of this very request (its result stands), or a temporary password gone stale.
        if (replacingTemporaryAt !== undefined && current?.ref !== requestId) return null;
        if (!current) throw new Error(`no account ${accountId} to change the password of`);
        return { generation: current.generation };
      });
    },
  };
}

const reasons: SessionEnd[] = ['logged_out', 'expired', 'password_changed', 'ended_elsewhere'];
const asReason = (stored: string | null): SessionEnd =>
  reasons.find((reason) => reason === stored) ?? 'unknown';
