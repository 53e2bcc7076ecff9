import { and, desc, eq } from 'drizzle-orm';
import type { Account, AccountRepository, ContactKind, CreateAccountError } from '../core/ports/accounts';
import { fail, ok } from '../core/result';
import type { OpenDatabase } from './database';
import { pingDatabase } from './database';
import { accounts, auditLog, consents, contacts } from './schema';

/** Rolls a transaction back with an expected outcome rather than a defect. */
class ContactTaken extends Error {
  constructor(readonly code: CreateAccountError) {
    super(code);
  }
}

export function createAccountRepository({ db, close }: OpenDatabase): AccountRepository {
  async function findByContact(kind: ContactKind, value: string): Promise<Account | null> {
    const [owner] = await db
      .select({ id: contacts.accountId })
      .from(contacts)
      .where(and(eq(contacts.kind, kind), eq(contacts.value, value)));
    return owner ? loadAccount(owner.id) : null;
  }

  async function loadAccount(id: string): Promise<Account | null> {
    const rows = await db
      .select({ createdAt: accounts.createdAt, kind: contacts.kind, value: contacts.value })
      .from(accounts)
      .innerJoin(contacts, eq(contacts.accountId, accounts.id))
      .where(eq(accounts.id, id));
    const first = rows[0];
    if (!first) return null;
    const contact = (kind: ContactKind) => rows.find((row) => row.kind === kind)?.value ?? '';
    return { id, email: contact('email'), phone: contact('phone'), createdAt: first.createdAt };
  }

  return {
    async createAccount(input) {
      try {
        const id = await db.transaction(async (tx) => {
          const [account] = await tx
            .insert(accounts)
            .values({ passwordHash: input.passwordHash })
            .returning({ id: accounts.id });
          if (!account) throw new Error('insert into accounts returned nothing');
          // ON CONFLICT DO NOTHING waits for a concurrent registration of the same contact to commit,
          // then inserts nothing: the loser learns the contact is taken without a unique-violation error.
          for (const [kind, code] of [
            ['email', 'email_taken'],
            ['phone', 'phone_taken'],
          ] as const) {
            const inserted = await tx
              .insert(contacts)
              .values({ kind, value: kind === 'email' ? input.email : input.phone, accountId: account.id })
              .onConflictDoNothing()
              .returning({ kind: contacts.kind });
            if (inserted.length === 0) throw new ContactTaken(code);
          }
          await tx.insert(consents).values({ accountId: account.id, ...input.consent });
          await tx.insert(auditLog).values({
            accountId: account.id,
            actor: input.actor,
            action: 'account.created',
            details: { agreementVersion: input.consent.agreementVersion },
          });
          return account.id;
        });
        const account = await loadAccount(id);
        if (!account) throw new Error(`account ${id} vanished right after it was created`);
        return ok(account);
      } catch (error) {
        if (error instanceof ContactTaken) return fail(error.code);
        throw error;
      }
    },
    findByContact,
    async appendAudit(entry) {
      await db.insert(auditLog).values(entry);
    },
    async auditTrail(accountId, limit = 50) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(eq(auditLog.accountId, accountId))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit);
      return rows.map(({ at, accountId, actor, action, details }) => ({
        at,
        accountId,
        actor,
        action,
        details: details ?? undefined,
      }));
    },
    ping: () => pingDatabase(db),
    close,
  };
}
