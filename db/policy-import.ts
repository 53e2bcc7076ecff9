import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { contactKey } from '../core/contacts';
import { type PolicyRecord, type PolicyRow, type RowProblem, readPolicyRow } from '../core/policy-rows';
import type { InsurerPreset } from '../core/presets';
import type { Database } from './database';
import type { FieldCipher } from './field-cipher';
import { accounts, auditLog, contacts, policies } from './schema';

/** Stands for a holder whose contact is not proven yet: the row waits for a later import. */
const UNPROVEN = 'unproven';

/** Rows written per transaction: large enough to amortise round trips, small enough to keep locks short. */
const BATCH = 1000;

export interface ImportReport {
  rows: number;
  /** Policies written (new or updated to the file's values). */
  imported: number;
  accountsCreated: number;
  refused: { line: number; problem: RowProblem }[];
}

export interface ImportOptions {
  db: Database;
  cipher: FieldCipher;
  preset: InsurerPreset;
  /** Named in the audit entry. */
  source: string;
  /** Called after each batch with the rows read so far. */
  onProgress?(rows: number): void;
}

type Accepted = { line: number; row: PolicyRow };

/**
 * Imports a policy file (CSV with a header: `core/policy-rows.ts` names the columns), streaming, in batches of
 * 1000 rows per transaction. Holders are found by their contacts; unknown ones get an account without a password
 * ("created automatically after an online purchase": they sign in after a password reset). Policies are upserted
 * by number, so the same file twice ends in the same state. A row that breaks a rule is reported by its line and
 * skipped; a policy number already held by another holder is refused, not moved.
 */
export async function importPolicies(
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportReport> {
  const { db, preset } = options;
  const report: ImportReport = { rows: 0, imported: 0, accountsCreated: 0, refused: [] };
  /** Policy number → the holder's contacts as first seen in this file, to refuse a second holder. */
  const holders = new Map<string, string>();
  let batch: Accepted[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    report.imported += await writeBatch(batch, options, report);
    batch = [];
    options.onProgress?.(report.rows);
  };
  const stream = parse({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    // A short or long row is read (its missing columns refuse it by name); one that is not CSV at all (a stray
    // quote) is reported by its line and skipped, and the import goes on.
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      report.rows++;
      report.refused.push({
        line: (error as { lines?: number } | undefined)?.lines ?? 0,
        problem: 'malformed',
      });
    },
  });
  // Fed as it is read, with backpressure: the rows in memory are one batch (and the numbers seen, for duplicates).
  const feeding = pipeline(input, stream);
  for await (const { record, info } of stream as AsyncIterable<{
    record: PolicyRecord;
    info: { lines: number };
  }>) {
    report.rows++;
    const line = info.lines;
    const read = readPolicyRow(record, preset);
    if (!read.ok) {
      report.refused.push({ line, problem: read.error });
      continue;
    }
    // The same holder however their e-mail is spelled on each line.
    const holder = `${read.value.email ? contactKey('email', read.value.email) : ''}|${read.value.phone ?? ''}`;
    const seen = holders.get(read.value.number);
    if (seen !== undefined && seen !== holder) {
      report.refused.push({ line, problem: 'duplicate_policy' });
      continue;
    }
    holders.set(read.value.number, holder);
    batch.push({ line, row: read.value });
    if (batch.length >= BATCH) await flush();
  }
  await feeding;
  await flush();
  // The parser reads ahead of the rows being written: its skips are reported in file order with the rest.
  report.refused.sort((a, b) => a.line - b.line);
  await db.insert(auditLog).values({
    accountId: null,
    actor: 'import',
    action: 'policies.imported',
    details: {
      source: options.source,
      rows: report.rows,
      imported: report.imported,
      accountsCreated: report.accountsCreated,
      refused: report.refused.length,
    },
  });
  return report;
}

/** One batch in one transaction: holders found or made, then the policies upserted. Returns policies written. */
async function writeBatch(batch: Accepted[], options: ImportOptions, report: ImportReport): Promise<number> {
  const { db, cipher } = options;
  // Fingerprints first, all at once (Web Crypto runs them on the thread pool), outside the transaction.
  const fingerprints = await Promise.all(
    batch.map(({ row }) =>
      row.document
        ? cipher.fingerprint(`${row.document.type}|${row.document.number}`, 'holder-document')
        : null,
    ),
  );
  return db.transaction(async (tx) => {
    const emails = [
      ...new Set(batch.flatMap(({ row }) => (row.email ? [contactKey('email', row.email)] : []))),
    ];
    const phones = [...new Set(batch.flatMap(({ row }) => (row.phone ? [row.phone] : [])))];
    const owners = new Map<string, string>();
    for (const [kind, values] of [
      ['email', emails],
      ['phone', phones],
    ] as const) {
      if (values.length === 0) continue;
      const found = await tx
        .select({
          key: contacts.key,
          accountId: contacts.accountId,
          verifiedAt: contacts.verifiedAt,
          activatedAt: accounts.activatedAt,
          passwordHash: accounts.passwordHash,
        })
        .from(contacts)
        .innerJoin(accounts, eq(accounts.id, contacts.accountId))
        .where(and(eq(contacts.kind, kind), inArray(contacts.key, values)));
      // Policies go only to a contact its owner proved (or to an earlier import's holder): a stranger who typed
      // someone's e-mail at registration and never followed its link must not receive that person's policies.
      for (const { key, accountId, verifiedAt, activatedAt, passwordHash } of found) {
        const imported = passwordHash === null;
        owners.set(`${kind}:${key}`, imported || (verifiedAt && activatedAt) ? accountId : UNPROVEN);
      }
    }
    const existing = new Map(
      (
        await tx
          .select({ number: policies.number, holder: policies.holderAccountId })
          .from(policies)
          .where(
            inArray(
              policies.number,
              batch.map(({ row }) => row.number),
            ),
          )
      ).map(({ number, holder }) => [number, holder]),
    );

    const newAccounts: { id: string; email: string | null; phone: string | null }[] = [];
    const values: (typeof policies.$inferInsert)[] = [];
    for (const [index, { line, row }] of batch.entries()) {
      const byEmail = row.email ? owners.get(`email:${contactKey('email', row.email)}`) : undefined;
      const byPhone = row.phone ? owners.get(`phone:${row.phone}`) : undefined;
      if (byEmail && byPhone && byEmail !== byPhone) {
        report.refused.push({ line, problem: 'contacts_split' });
        continue;
      }
      let holder = byEmail ?? byPhone;
      if (holder === UNPROVEN) {
        report.refused.push({ line, problem: 'contact_unproven' });
        continue;
      }
      const current = existing.get(row.number);
      // A policy someone else holds is not moved, and no holder is made for a row that is refused.
      if (current && current !== holder) {
        report.refused.push({ line, problem: 'duplicate_policy' });
        continue;
      }
      if (!holder) {
        // A new holder; a later row of this batch with either contact is the same person.
        holder = crypto.randomUUID();
        newAccounts.push({ id: holder, email: row.email, phone: row.phone });
        if (row.email) owners.set(`email:${contactKey('email', row.email)}`, holder);
        if (row.phone) owners.set(`phone:${row.phone}`, holder);
      }
      values.push({
        number: row.number,
        product: row.product,
        startsOn: row.startsOn,
        endsOn: row.endsOn,
        holderAccountId: holder,
        matchedBy: 'contact',
        holderDocumentType: row.document?.type ?? null,
        holderDocumentFingerprint: fingerprints[index] ?? null,
      });
    }
    if (newAccounts.length > 0) {
      const now = new Date();
      await tx
        .insert(accounts)
        .values(newAccounts.map(({ id }) => ({ id, passwordHash: null, activatedAt: now })));
      await tx
        .insert(contacts)
        .values(
          newAccounts.flatMap(({ id, email, phone }) => [
            ...(email
              ? [{ kind: 'email' as const, value: email, key: contactKey('email', email), accountId: id }]
              : []),
            ...(phone ? [{ kind: 'phone' as const, value: phone, key: phone, accountId: id }] : []),
          ]),
        )
        .onConflictDoNothing();
      await tx.insert(auditLog).values(
        newAccounts.map(({ id }) => ({
          accountId: id,
          actor: 'import',
          action: 'account.created',
          details: { source: options.source },
        })),
      );
      report.accountsCreated += newAccounts.length;
    }
    // The last row for a number wins within a batch (Postgres refuses one statement touching a row twice).
    const unique = [...new Map(values.map((v) => [v.number, v])).values()];
    if (unique.length > 0) {
      await tx
        .insert(policies)
        .values(unique)
        .onConflictDoUpdate({
          target: policies.number,
          set: {
            product: sqlExcluded('product'),
            startsOn: sqlExcluded('starts_on'),
            endsOn: sqlExcluded('ends_on'),
            holderAccountId: sqlExcluded('holder_account_id'),
            matchedBy: sqlExcluded('matched_by'),
            holderDocumentType: sqlExcluded('holder_document_type'),
            holderDocumentFingerprint: sqlExcluded('holder_document_fingerprint'),
          },
        });
    }
    return values.length;
  });
}

const sqlExcluded = (column: string) => sql.raw(`excluded.${column}`);
