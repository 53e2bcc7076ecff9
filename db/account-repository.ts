import { and, desc, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { contactKey } from '../core/contacts';
import { maskDocument } from '../core/documents';
import { normaliseDocumentNumber } from '../core/policy-rows';
import type {
  Account,
  AccountRepository,
  ContactKind,
  CreateAccountError,
  NewAccount,
} from '../core/ports/accounts';
import { fail, ok } from '../core/result';
import { createActivationRepository } from './activation-repository';
import { DATA_REQUESTED, type OpenRequestRow, openRequests } from './data-requests';
import type { OpenDatabase } from './database';
import type { FieldCipher } from './field-cipher';
import { rowsOf } from './rows';
import { accounts, activationTokens, auditLog, consents, contacts, policies, profiles } from './schema';
import { createSessionRepository } from './session-repository';

/** Rolls a transaction back with an expected outcome rather than a defect. */
class ContactTaken extends Error {
  constructor(readonly code: CreateAccountError) {
    super(code);
  }
}

export function createAccountRepository({ db, close }: OpenDatabase, cipher: FieldCipher): AccountRepository {
  /** Where a sealed value lives, bound into its ciphertext. */
  const sealedAt = (column: string, accountId: string) => `profiles.${column}:${accountId}`;

  async function findByContact(kind: ContactKind, value: string): Promise<Account | null> {
    const [owner] = await db
      .select({ id: contacts.accountId })
      .from(contacts)
      .where(and(eq(contacts.kind, kind), eq(contacts.key, contactKey(kind, value))));
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

  /**
   * The account this very registration already created, if it is one: same e-mail, same phone, same bcrypt
   * hash (its random salt makes the hash unique to the conversation that typed the password), or for a
   * registration by link the same token. A retry after
   * an outage then gets its account back instead of "already registered".
   */
  async function sameRegistration(input: NewAccount): Promise<Account | null> {
    if (!input.passwordHash) return null;
    const existing = await findByContact('email', input.email);
    if (!existing || existing.phone !== input.phone) return null;
    // A registration by link derives its token from the turn: the same token is the same registration.
    if (input.activation) {
      const [token] = await db
        .select({ accountId: activationTokens.accountId })
        .from(activationTokens)
        .where(
          and(
            eq(activationTokens.tokenHash, input.activation.tokenHash),
            eq(activationTokens.accountId, existing.id),
          ),
        );
      return token ? existing : null;
    }
    const [row] = await db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.id, existing.id), eq(accounts.passwordHash, input.passwordHash)));
    return row ? existing : null;
  }

  return {
    ...createSessionRepository(db),
    ...createActivationRepository(db),
    async createAccount(input) {
      try {
        const id = await db.transaction(async (tx) => {
          const pending = input.activation;
          const [account] = await tx
            .insert(accounts)
            .values({
              passwordHash: input.passwordHash,
              activatedAt: pending ? null : new Date(),
              temporaryPasswordUntil: pending?.temporaryPasswordUntil ?? null,
            })
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
              .values({
                kind,
                value: kind === 'email' ? input.email : input.phone,
                key: contactKey(kind, kind === 'email' ? input.email : input.phone),
                accountId: account.id,
                // Awaiting its activation link, the e-mail is proven only when the link is followed.
                verifiedAt: kind === 'email' && pending ? null : input.contactsVerifiedAt,
              })
              .onConflictDoNothing()
              .returning({ kind: contacts.kind });
            if (inserted.length === 0) throw new ContactTaken(code);
          }
          if (pending) await tx.insert(activationTokens).values({ accountId: account.id, ...pending });
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
        if (!(error instanceof ContactTaken)) throw error;
        const same = await sameRegistration(input);
        return same ? ok(same) : fail(error.code);
      }
    },
    findByContact,

    async saveDocument(accountId, document, actor) {
      const sealed = {
        documentType: document.type,
        documentSeries: document.series
          ? await cipher.seal(document.series, sealedAt('document_series', accountId))
          : null,
        documentNumber: await cipher.seal(document.number, sealedAt('document_number', accountId)),
        updatedAt: new Date(),
      };
      await db.transaction(async (tx) => {
        await tx
          .insert(profiles)
          .values({ accountId, ...sealed })
          .onConflictDoUpdate({ target: profiles.accountId, set: sealed });
        await tx
          .insert(auditLog)
          .values({ accountId, actor, action: 'profile.document_saved', details: { type: document.type } });
      });
    },

    async completeProfile(accountId, profile, actor) {
      return db.transaction(async (tx) => {
        const updated = await tx
          .update(profiles)
          .set({ ...profile, completedAt: new Date(), updatedAt: new Date() })
          .where(and(eq(profiles.accountId, accountId), isNotNull(profiles.documentNumber)))
          .returning({ accountId: profiles.accountId });
        if (updated.length === 0) return fail('no_document');
        await tx.insert(auditLog).values({ accountId, actor, action: 'profile.completed' });
        return ok(undefined);
      });
    },

    async overview(accountId) {
      const account = await loadAccount(accountId);
      if (!account) return null;
      const [contactRows, [profile]] = await Promise.all([
        db
          .select({ verifiedAt: contacts.verifiedAt })
          .from(contacts)
          .where(eq(contacts.accountId, accountId)),
        db.select().from(profiles).where(eq(profiles.accountId, accountId)),
      ]);
      const document =
        profile?.documentType && profile.documentNumber
          ? {
              type: profile.documentType,
              masked: maskDocument(
                profile.documentSeries
                  ? await cipher.open(profile.documentSeries, sealedAt('document_series', accountId))
                  : null,
                await cipher.open(profile.documentNumber, sealedAt('document_number', accountId)),
              ),
            }
          : null;
      return {
        account,
        contactsVerified: contactRows.length > 0 && contactRows.every((row) => row.verifiedAt !== null),
        profileComplete: Boolean(profile?.completedAt),
        document,
      };
    },

    async policiesOf(accountId) {
      const rows = await db
        .select({
          number: policies.number,
          product: policies.product,
          startsOn: policies.startsOn,
          endsOn: policies.endsOn,
          matchedBy: policies.matchedBy,
        })
        .from(policies)
        .where(eq(policies.holderAccountId, accountId))
        .orderBy(desc(policies.endsOn), policies.number);
      return rows.map((row) => ({
        ...row,
        matchedBy: row.matchedBy === 'document' ? 'document' : 'contact',
      }));
    },

    async profileForReview(accountId) {
      const [profile] = await db.select().from(profiles).where(eq(profiles.accountId, accountId));
      if (!profile) return null;
      const series = profile.documentSeries
        ? await cipher.open(profile.documentSeries, sealedAt('document_series', accountId))
        : null;
      const number = profile.documentNumber
        ? await cipher.open(profile.documentNumber, sealedAt('document_number', accountId))
        : null;
      return {
        surname: profile.surname,
        givenName: profile.givenName,
        patronymic: profile.patronymic,
        birthDate: profile.birthDate,
        documentType: profile.documentType,
        document: number ? [series, number].filter(Boolean).join(' ') : null,
      };
    },

    async documentFingerprint(accountId) {
      const [profile] = await db.select().from(profiles).where(eq(profiles.accountId, accountId));
      if (!profile?.documentType || !profile.documentNumber) return null;
      const series = profile.documentSeries
        ? await cipher.open(profile.documentSeries, sealedAt('document_series', accountId))
        : '';
      const number = await cipher.open(profile.documentNumber, sealedAt('document_number', accountId));
      // As the import takes it (db/policy-import.ts): type, then series and number as one string.
      return cipher.fingerprint(
        `${profile.documentType}|${normaliseDocumentNumber(series + number)}`,
        'holder-document',
      );
    },

    async linkPoliciesByDocument(accountId, fingerprint, actor) {
      return db.transaction(async (tx) => {
        const linked = await tx
          .update(policies)
          .set({ holderAccountId: accountId, matchedBy: 'document' })
          .where(
            and(
              eq(policies.holderDocumentFingerprint, fingerprint),
              // Policies bought earlier under other contacts sit with a holder the import made (no password,
              // never signed in to); a customer's own cabinet keeps its policies.
              or(
                isNull(policies.holderAccountId),
                inArray(
                  policies.holderAccountId,
                  tx.select({ id: accounts.id }).from(accounts).where(isNull(accounts.passwordHash)),
                ),
              ),
            ),
          )
          .returning({ number: policies.number });
        if (linked.length > 0)
          await tx.insert(auditLog).values({
            accountId,
            actor,
            action: 'policies.linked_by_document',
            details: { policies: linked.map((row) => row.number) },
          });
        return linked.length;
      });
    },

    async appendAudit(entry) {
      await db.insert(auditLog).values(entry);
    },
    async requestData({ accountId, kind, actor, requestId }) {
      return db.transaction(async (tx) => {
        const [open] = rowsOf<OpenRequestRow>(
          await tx.execute(openRequests(sql`r.account_id = ${accountId} and r.details->>'kind' = ${kind}`)),
        );
        if (open) return { since: new Date(open.at), fresh: open.request === requestId };
        const [asked] = await tx
          .insert(auditLog)
          .values({ accountId, actor, action: DATA_REQUESTED, details: { kind, request: requestId } })
          .returning({ at: auditLog.at });
        return { since: asked?.at ?? new Date(), fresh: true };
      });
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
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close,
  };
}
