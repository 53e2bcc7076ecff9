import { and, asc, eq, inArray } from 'drizzle-orm';
import { contactKey } from '../core/contacts';
import type { ContactKind } from '../core/ports/accounts';
import type { CustomerRecord, CustomerRecords, ErasedRows } from '../core/ports/customer-records';
import type { CaseStatus } from '../core/ports/identity-cases';
import { type OpenRequestRow, openRequests } from './data-requests';
import type { Database } from './database';
import type { FieldCipher } from './field-cipher';
import { deleteJobs, jobsNaming } from './jobs/jobs-naming';
import { rowsOf } from './rows';
import {
  accounts,
  activationTokens,
  auditLog,
  consents,
  contacts,
  identityCases,
  policies,
  profiles,
  sessions,
} from './schema';

const iso = (at: Date | null) => at?.toISOString() ?? null;

/**
 * Audit details that name no person: kinds, channels, case ids, reason codes, counts. Anything else in an erased
 * customer's audit entries (a reviewer's free-text comment, a contact kept, phone digits, policy numbers) goes.
 */
const impersonalDetails = new Set([
  'agreementVersion',
  'again',
  'attempted',
  'caseId',
  'channel',
  'count',
  'files',
  'stateKeys',
  'from',
  'image',
  'kind',
  'mode',
  'provenBy',
  'reason',
  'registeredIn',
  'rule',
  'type',
  'via',
]);

export function createCustomerRecords(db: Database, cipher: FieldCipher): CustomerRecords {
  const open = (sealed: string | null, column: string, accountId: string) =>
    sealed ? cipher.open(sealed, `profiles.${column}:${accountId}`) : Promise.resolve(null);

  async function recordOf(accountId: string): Promise<CustomerRecord | null> {
    const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
    if (!account) return null;
    const [contactRows, consentRows, [profile], sessionRows, links, cases, held, audit] = await Promise.all([
      db.select().from(contacts).where(eq(contacts.accountId, accountId)).orderBy(contacts.kind),
      db.select().from(consents).where(eq(consents.accountId, accountId)).orderBy(asc(consents.id)),
      db.select().from(profiles).where(eq(profiles.accountId, accountId)),
      db.select().from(sessions).where(eq(sessions.accountId, accountId)).orderBy(asc(sessions.startedAt)),
      db.select().from(activationTokens).where(eq(activationTokens.accountId, accountId)),
      db.select().from(identityCases).where(eq(identityCases.accountId, accountId)),
      db.select().from(policies).where(eq(policies.holderAccountId, accountId)).orderBy(policies.number),
      db.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(asc(auditLog.id)),
    ]);
    return {
      account: {
        id: account.id,
        createdAt: account.createdAt.toISOString(),
        activatedAt: iso(account.activatedAt),
        hasPassword: account.passwordHash !== null,
        passwordChangedAt: iso(account.passwordChangedAt),
        temporaryPasswordUntil: iso(account.temporaryPasswordUntil),
      },
      contacts: contactRows.map((c) => ({
        kind: c.kind,
        value: c.value,
        verifiedAt: iso(c.verifiedAt),
        createdAt: c.createdAt.toISOString(),
      })),
      consents: consentRows.map((c) => ({
        agreementVersion: c.agreementVersion,
        acceptedAt: c.acceptedAt.toISOString(),
      })),
      profile: profile
        ? {
            surname: profile.surname,
            givenName: profile.givenName,
            patronymic: profile.patronymic,
            birthDate: profile.birthDate,
            sex: profile.sex,
            document: {
              type: profile.documentType,
              series: await open(profile.documentSeries, 'document_series', accountId),
              number: await open(profile.documentNumber, 'document_number', accountId),
            },
            completedAt: iso(profile.completedAt),
            updatedAt: profile.updatedAt.toISOString(),
          }
        : null,
      sessions: sessionRows.map((s) => ({
        channel: s.channel,
        startedAt: s.startedAt.toISOString(),
        lastActiveAt: s.lastActiveAt.toISOString(),
        endedAt: iso(s.endedAt),
        endReason: s.endReason,
        conversationRef: s.conversationRef,
      })),
      activationLinks: links.map((l) => ({
        createdAt: l.createdAt.toISOString(),
        expiresAt: l.expiresAt.toISOString(),
        usedAt: iso(l.usedAt),
        channel: l.channel,
        conversationId: l.conversationId,
      })),
      identityCases: cases.map((c) => ({
        id: c.id,
        channel: c.channel,
        conversationId: c.conversationId,
        status: c.status as CaseStatus,
        images: c.images as CustomerRecord['identityCases'][number]['images'],
        submittedAt: iso(c.submittedAt),
        decidedAt: iso(c.decidedAt),
        reviewer: c.reviewer,
        reason: c.reason,
        createdAt: c.createdAt.toISOString(),
      })),
      policies: held.map((p) => ({
        number: p.number,
        product: p.product,
        startsOn: p.startsOn,
        endsOn: p.endsOn,
        matchedBy: p.matchedBy === 'document' ? 'document' : 'contact',
      })),
      audit: audit.map((a) => ({
        at: a.at.toISOString(),
        accountId: a.accountId,
        actor: a.actor,
        action: a.action,
        ...(a.details ? { details: a.details } : {}),
      })),
    };
  }

  return {
    async accountOf(kind: ContactKind, value: string) {
      const [owner] = await db
        .select({ id: contacts.accountId })
        .from(contacts)
        .where(and(eq(contacts.kind, kind), eq(contacts.key, contactKey(kind, value))));
      return owner?.id ?? null;
    },
    recordOf,

    async openRequests() {
      const open = rowsOf<OpenRequestRow>(await db.execute(openRequests()));
      if (open.length === 0) return [];
      const held = await db
        .select({ accountId: contacts.accountId, kind: contacts.kind, value: contacts.value })
        .from(contacts)
        .where(inArray(contacts.accountId, [...new Set(open.map((r) => r.accountId))]))
        .orderBy(contacts.kind);
      return open.map((r) => ({
        kind: r.kind,
        since: new Date(r.at),
        actor: r.actor,
        accountId: r.accountId,
        contacts: held.filter((c) => c.accountId === r.accountId).map(({ kind, value }) => ({ kind, value })),
      }));
    },

    async erase(accountId, actor, { dryRun, conversations, elsewhere = {} }) {
      return db.transaction(async (tx) => {
        const of = <T extends { accountId: unknown }>(table: T) => eq(table.accountId as never, accountId);
        const contactRows = await tx.select().from(contacts).where(of(contacts));
        const cases = await tx
          .select({ id: identityCases.id, conversationId: identityCases.conversationId })
          .from(identityCases)
          .where(of(identityCases));
        const links = await tx
          .select({ conversationId: activationTokens.conversationId })
          .from(activationTokens)
          .where(of(activationTokens));
        const auditRows = await tx.select().from(auditLog).where(eq(auditLog.accountId, accountId));
        // An earlier erasure's own entry names nobody (counts, keyed fingerprints) and is what proves it happened.
        const redactions = auditRows.flatMap((row) => {
          if (row.action === 'customer.erased') return [];
          const details = row.details ?? {};
          const kept = Object.fromEntries(
            Object.entries(details).filter(([key]) => impersonalDetails.has(key)),
          );
          return Object.keys(kept).length === Object.keys(details).length
            ? []
            : [{ id: row.id, details: kept }];
        });
        const needles = [
          accountId,
          ...cases.map((c) => c.id),
          ...contactRows.flatMap((c) => [c.value, c.key]),
          ...new Set([
            ...cases.map((c) => c.conversationId),
            ...links.flatMap((l) => l.conversationId ?? []),
            ...conversations,
          ]),
        ];
        const jobs = await jobsNaming(tx, cipher, needles);
        const counted = {
          contacts: contactRows.length,
          identityCases: cases.length,
          activationLinks: links.length,
          auditEntriesRedacted: redactions.length,
          jobs: jobs.length,
        };
        if (dryRun) {
          const [profileRows, sessionRows, policyRows] = await Promise.all([
            tx.select({ id: profiles.accountId }).from(profiles).where(of(profiles)),
            tx.select({ id: sessions.id }).from(sessions).where(of(sessions)),
            tx.select({ id: policies.number }).from(policies).where(eq(policies.holderAccountId, accountId)),
          ]);
          return {
            ...counted,
            profile: profileRows.length,
            sessions: sessionRows.length,
            policies: policyRows.length,
          };
        }
        await deleteJobs(tx, jobs);
        const removed: ErasedRows = {
          ...counted,
          sessions: (await tx.delete(sessions).where(of(sessions)).returning({ id: sessions.id })).length,
          profile: (await tx.delete(profiles).where(of(profiles)).returning({ id: profiles.accountId }))
            .length,
          policies: (
            await tx
              .delete(policies)
              .where(eq(policies.holderAccountId, accountId))
              .returning({ id: policies.number })
          ).length,
        };
        await tx.delete(identityCases).where(of(identityCases));
        await tx.delete(activationTokens).where(of(activationTokens));
        await tx.delete(contacts).where(of(contacts));
        for (const { id, details } of redactions)
          await tx.update(auditLog).set({ details }).where(eq(auditLog.id, id));
        // The consents and the audit log name the account without a foreign key: they outlive it.
        await tx.delete(accounts).where(eq(accounts.id, accountId));
        const kept = await tx.select({ id: consents.id }).from(consents).where(of(consents));
        await tx.insert(auditLog).values({
          accountId,
          actor,
          action: 'customer.erased',
          details: {
            removed,
            ...elsewhere,
            consentsKept: kept.length,
            // Keyed fingerprints (HMAC under DATA_KEY) of the contacts the consent was given with: should the person
            // come forward, their contact fingerprinted again finds this entry and its consent; nobody reads it back.
            contacts: await Promise.all(
              contactRows.map(async (c) => ({
                kind: c.kind,
                fingerprint: await cipher.fingerprint(c.key, 'erased-contact'),
              })),
            ),
          },
        });
        return removed;
      });
    },
  };
}
