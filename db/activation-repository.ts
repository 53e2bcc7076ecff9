import { and, eq, gt, isNull, ne } from 'drizzle-orm';
import type { ChannelName } from '../core/messages';
import type { ActivationRepository } from '../core/ports/activation';
import type { Database } from './database';
import { accounts, activationTokens, auditLog } from './schema';

export function createActivationRepository(db: Database): ActivationRepository {
  return {
    async activate(tokenHash) {
      return db.transaction(async (tx) => {
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
          await tx
            .insert(auditLog)
            .values({ accountId: used.accountId, actor: 'customer:link', action: 'account.activated' });
          const notify =
            used.conversationId && used.channel
              ? { conversationId: used.conversationId, channel: used.channel as ChannelName }
              : null;
          return { ok: true as const, accountId: used.accountId, notify };
        }
        const [token] = await tx
          .select({ accountId: activationTokens.accountId, usedAt: activationTokens.usedAt })
          .from(activationTokens)
          .where(eq(activationTokens.tokenHash, tokenHash));
        if (!token) return { ok: false as const, error: 'unknown' as const, accountId: null };
        return {
          ok: false as const,
          error: token.usedAt ? ('used' as const) : ('expired' as const),
          accountId: token.accountId,
        };
      });
    },

    async renewActivation(accountId, passwordHash, pending) {
      return db.transaction(async (tx) => {
        const [waiting] = await tx
          .update(accounts)
          .set({ passwordHash, temporaryPasswordUntil: pending.temporaryPasswordUntil })
          .where(and(eq(accounts.id, accountId), isNull(accounts.activatedAt)))
          .returning({ id: accounts.id });
        if (!waiting) return false;
        // Earlier links stop working: only the newest one sent is worth following.
        await tx
          .update(activationTokens)
          .set({ expiresAt: new Date() })
          .where(
            and(
              eq(activationTokens.accountId, accountId),
              isNull(activationTokens.usedAt),
              // The same request twice derives the same token: it stays as it was, and one e-mail goes out.
              ne(activationTokens.tokenHash, pending.tokenHash),
            ),
          );
        await tx
          .insert(activationTokens)
          .values({ accountId, ...pending })
          .onConflictDoNothing();
        await tx.insert(auditLog).values({ accountId, actor: 'customer:link', action: 'activation.renewed' });
        return true;
      });
    },
  };
}
