import { and, eq, sql } from 'drizzle-orm';
import { foldCase, readEmail } from '../core/contacts';
import type { Database } from './database';
import { accounts, auditLog, contacts } from './schema';

/** What re-reading stored e-mails did, for the start-up log. */
export interface EmailRereading {
  /** Rows now in the form a new registration stores (punycode domain), keyed alike. */
  rewritten: number;
  /** Rows that met another account's row under the new key; the audit log says who kept it. */
  collisions: number;
  /** Rows no longer readable as one mailbox (left as they are: no new input can match them). */
  unreadable: number;
  /** Rows whose rewriting failed (logged; the start goes on, and the next start tries them again). */
  failed: number;
}

type Row = {
  accountId: string;
  value: string;
  verifiedAt: Date | null;
  createdAt: Date;
  activatedAt: Date | null;
  passwordHash: string | null;
};

/**
 * E-mails stored before addresses were read strictly (core/contacts.ts `readEmail`) may hold a domain in Unicode
 * (olga@пример.рф) where a registration now stores punycode (olga@xn--e1afmkfd.xn--p1ai): one mailbox under two
 * keys, so it could be registered twice. Run at every start after the migrations (a SQL migration cannot do
 * punycode); only rows with a character outside ASCII are read, and a rewritten row is ASCII, so a second run
 * finds nothing. A row meeting another account's row under the new key is settled as migration 0007 settles
 * letter case: the owner who proved the mailbox keeps the key, then a registered account over an imported holder,
 * then the oldest; the other keeps its value under a key naming its account, and the audit log says who kept it.
 */
export async function rereadStoredEmails(db: Database): Promise<EmailRereading> {
  const done: EmailRereading = { rewritten: 0, collisions: 0, unreadable: 0, failed: 0 };
  const columns = {
    accountId: contacts.accountId,
    value: contacts.value,
    verifiedAt: contacts.verifiedAt,
    createdAt: contacts.createdAt,
    activatedAt: accounts.activatedAt,
    passwordHash: accounts.passwordHash,
  };
  const stored: Row[] = await db
    .select(columns)
    .from(contacts)
    .innerJoin(accounts, eq(accounts.id, contacts.accountId))
    // More bytes than characters: something outside ASCII (the database's encoding is UTF-8).
    .where(
      and(eq(contacts.kind, 'email'), sql`octet_length(${contacts.value}) <> char_length(${contacts.value})`),
    );
  for (const row of stored) {
    const email = readEmail(row.value);
    if (!email) {
      done.unreadable++;
      continue;
    }
    const key = foldCase(email);
    // One row's trouble must not stop every start: it is counted, and tried again at the next.
    await db
      .transaction(async (tx) => {
        // Still there and still as read (a withdrawal or another start may have moved it meanwhile)?
        const [still] = await tx
          .select({ value: contacts.value })
          .from(contacts)
          .where(sameRow(row))
          .for('update');
        if (!still) return;
        const [holder] = await tx
          .select(columns)
          .from(contacts)
          .innerJoin(accounts, eq(accounts.id, contacts.accountId))
          .where(and(eq(contacts.kind, 'email'), eq(contacts.key, key)))
          .for('update');
        const rekey = (of: Row, to: string) =>
          tx
            .update(contacts)
            .set({ value: of === row ? email : of.value, key: to })
            .where(sameRow(of));
        if (!holder) {
          await rekey(row, key);
          done.rewritten++;
          return;
        }
        const audit = (accountId: string, action: string, details: Record<string, string>) =>
          tx
            .insert(auditLog)
            .values({ accountId, actor: 'start-up:emails', action, details: { kind: 'email', ...details } });
        if (holder.accountId === row.accountId) {
          // The same account has this mailbox already in punycode: the Unicode spelling is a duplicate of it.
          await tx.delete(contacts).where(sameRow(row));
          await audit(row.accountId, 'contact.duplicate_removed', { kept: holder.value });
          done.rewritten++;
          return;
        }
        const [kept, moved] = outranks(row, holder) ? [row, holder] : [holder, row];
        // The one moving aside first, so the key is free when the other takes it.
        await rekey(moved, `${key}#collision:${moved.accountId}`);
        if (kept === row) await rekey(row, key);
        await audit(moved.accountId, 'contact.case_collision', { keptBy: kept.accountId });
        done.rewritten++;
        done.collisions++;
      })
      .catch(() => {
        done.failed++;
      });
  }
  return done;
}

/** The one e-mail row `of` names (an account holds a mailbox once, by value). */
const sameRow = (of: Pick<Row, 'accountId' | 'value'>) =>
  and(eq(contacts.kind, 'email'), eq(contacts.accountId, of.accountId), eq(contacts.value, of.value));

/**
 * Who keeps the key: the owner who proved it (as in migration 0007), then an active account — a registration never
 * activated has an e-mail nobody proved, which may be a stranger's squat, so an imported holder (active, with the
 * policies) goes before it — then the oldest, then by id.
 */
function outranks(a: Row, b: Row): boolean {
  const rank = (r: Row) => [
    r.verifiedAt && r.activatedAt && r.passwordHash ? 0 : 1,
    r.activatedAt ? 0 : 1,
    r.createdAt.getTime(),
  ];
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) < (rb[i] ?? 0);
  return a.accountId < b.accountId;
}
