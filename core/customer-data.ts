import { readContact } from './contacts';
import { findOwnedState, keyKind } from './customer-state';
import type { AccountRepository } from './ports/accounts';
import type { CustomerRecord, CustomerRecords, ErasedRows } from './ports/customer-records';
import type { FileStore } from './ports/file-store';
import { identityImages } from './ports/identity-cases';
import type { StateStore } from './ports/state-store';
import { fail, ok, type Result } from './result';

/** Who runs data requests, in the audit log. */
export const OPERATOR_CLI = 'operator:cli';

export type DataRequestError = 'invalid_contact' | 'not_found';

/** One picture of an identity case as it goes into an export: decrypted, under a path of its own. */
export interface ExportedFile {
  path: string;
  contentType: string;
  bytes: Uint8Array;
}

/** What is held about a customer (152-FZ art. 14): the records, their conversations' state, their pictures. */
export interface CustomerExport {
  data: {
    exportedAt: string;
    records: CustomerRecord;
    /** The state store's values of their conversations and contacts (state, web chat history, sign-in failures). */
    state: { key: string; value: unknown }[];
    /** Every picture file the records name, and where it is in the archive (null: the file is gone). */
    files: { caseId: string; image: string; version: 'picture' | 'preview'; path: string | null }[];
  };
  files: ExportedFile[];
  /**
   * Writes the export down in the audit log (`customer.exported`, which fulfils a request for it): called once the
   * archive is written, so an export that failed leaves the request open.
   */
  delivered(): Promise<void>;
}

/** What an erasure removes (or would): counts by kind, never a value. */
export interface ErasureReport {
  records: ErasedRows;
  files: number;
  /** State keys by kind (`conv`, `inbox`, `signin-failures`…). */
  stateKeys: Record<string, number>;
}

export interface CustomerDataDeps {
  records: CustomerRecords;
  audit: Pick<AccountRepository, 'appendAudit'>;
  files: FileStore;
  store: StateStore;
  /** Where a phone typed without a country code is read (the preset's). */
  phoneRegion: 'RU' | 'KZ';
  now?: () => number;
}

/** Values of these kinds are the customer's to read; the rest (code HMACs, budgets, locks) are listed by kind. */
const readableKinds = new Set(['conv', 'inbox', 'signin-failures']);

/**
 * Data requests for one customer found by a contact (an e-mail in any letter case, a phone in any format):
 * export everything held, or erase it. Erasure goes files first, then state keys, then the records in one
 * transaction: a crash half-way leaves the records that find everything else, so running it again finishes it.
 */
export function createCustomerData(deps: CustomerDataDeps) {
  const now = deps.now ?? Date.now;

  async function found(typed: string) {
    const contact = readContact(typed.trim(), deps.phoneRegion);
    if (!contact.ok) return fail('invalid_contact' as const);
    const accountId = await deps.records.accountOf(contact.value.kind, contact.value.value);
    const record = accountId ? await deps.records.recordOf(accountId) : null;
    if (!record) return fail('not_found' as const);
    const owner = {
      accountId: record.account.id,
      contacts: record.contacts,
      conversations: [
        ...record.identityCases.map((c) => c.conversationId),
        ...record.activationLinks.flatMap((l) => l.conversationId ?? []),
      ],
      sessionRefs: record.sessions.map((s) => s.conversationRef),
    };
    const state = await findOwnedState(deps.store, owner);
    const pictures = record.identityCases.flatMap((c) =>
      identityImages.flatMap((image) => {
        const kept = c.images[image];
        return kept
          ? [
              { caseId: c.id, image, version: 'picture' as const, fileId: kept.fileId },
              { caseId: c.id, image, version: 'preview' as const, fileId: kept.previewId },
            ]
          : [];
      }),
    );
    return ok({ record, state, pictures, owner });
  }

  return {
    async exportData(typed: string): Promise<Result<CustomerExport, DataRequestError>> {
      const customer = await found(typed);
      if (!customer.ok) return customer;
      const { record, state, pictures } = customer.value;
      const files: ExportedFile[] = [];
      const listed: CustomerExport['data']['files'] = [];
      for (const { fileId, ...picture } of pictures) {
        const stored = await deps.files.get(fileId);
        const path = stored
          ? `images/${picture.caseId}/${picture.image}${picture.version === 'preview' ? '.preview' : ''}.jpg`
          : null;
        if (stored && path) files.push({ path, contentType: stored.contentType, bytes: stored.bytes });
        listed.push({ ...picture, path });
      }
      const values: CustomerExport['data']['state'] = [];
      for (const key of state.keys.sort()) {
        const stored = readableKinds.has(keyKind(key)) ? await deps.store.get(key) : null;
        values.push({ key, value: stored ? parsed(stored.value) : `(${keyKind(key)}: kept, not readable)` });
      }
      return ok({
        data: { exportedAt: new Date(now()).toISOString(), records: record, state: values, files: listed },
        files,
        delivered: () =>
          deps.audit.appendAudit({
            accountId: record.account.id,
            actor: OPERATOR_CLI,
            action: 'customer.exported',
            details: { files: files.length, stateKeys: state.keys.length },
          }),
      });
    },

    /** Erases the customer, or with `dryRun` says what would go and changes nothing. */
    async erase(
      typed: string,
      { dryRun }: { dryRun: boolean },
    ): Promise<Result<ErasureReport, DataRequestError>> {
      const customer = await found(typed);
      if (!customer.ok) return customer;
      const { record, state, pictures, owner } = customer.value;
      const stateKeys: Record<string, number> = {};
      for (const key of state.keys) stateKeys[keyKind(key)] = (stateKeys[keyKind(key)] ?? 0) + 1;
      const elsewhere = { files: pictures.length, stateKeys };
      if (!dryRun) {
        for (const { fileId } of pictures) await deps.files.delete(fileId);
        for (const key of state.keys) await deps.store.delete(key);
      }
      const rows = await deps.records.erase(record.account.id, OPERATOR_CLI, {
        dryRun,
        conversations: state.conversations,
        elsewhere,
      });
      // A message the customer sent meanwhile (still signed in until the records went) may have written state again.
      if (!dryRun)
        for (const key of (await findOwnedState(deps.store, owner)).keys) await deps.store.delete(key);
      return ok({ records: rows, ...elsewhere });
    },
  };
}

const parsed = (value: string): unknown => {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

export type CustomerData = ReturnType<typeof createCustomerData>;
