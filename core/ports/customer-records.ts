import type { AuditEntry, ContactKind, DataRequestKind, PolicySummary } from './accounts';
import type { CaseImage, CaseStatus, IdentityImage } from './identity-cases';

/**
 * Everything the records hold about one customer, as a data request hands it over (152-FZ art. 14): plain JSON,
 * personal fields decrypted. Times are ISO strings; secrets (the password's hash, activation tokens' hashes) are
 * told by their existence only.
 */
export interface CustomerRecord {
  account: {
    id: string;
    createdAt: string;
    activatedAt: string | null;
    hasPassword: boolean;
    passwordChangedAt: string | null;
    temporaryPasswordUntil: string | null;
  };
  contacts: { kind: ContactKind; value: string; verifiedAt: string | null; createdAt: string }[];
  consents: { agreementVersion: string; acceptedAt: string }[];
  /** Decrypted; null without a profile. */
  profile: {
    surname: string | null;
    givenName: string | null;
    patronymic: string | null;
    birthDate: string | null;
    sex: string | null;
    document: { type: string | null; series: string | null; number: string | null };
    completedAt: string | null;
    updatedAt: string;
  } | null;
  sessions: {
    channel: string;
    startedAt: string;
    lastActiveAt: string;
    endedAt: string | null;
    endReason: string | null;
    /** SHA-256 of the conversation id (core/sessions.ts): how the conversation's state is found again. */
    conversationRef: string;
  }[];
  activationLinks: {
    createdAt: string;
    expiresAt: string;
    usedAt: string | null;
    channel: string | null;
    conversationId: string | null;
  }[];
  identityCases: {
    id: string;
    channel: string;
    conversationId: string;
    status: CaseStatus;
    images: Partial<Record<IdentityImage, Pick<CaseImage, 'fileId' | 'previewId' | 'notes'>>>;
    submittedAt: string | null;
    decidedAt: string | null;
    reviewer: string | null;
    reason: string | null;
    createdAt: string;
  }[];
  policies: PolicySummary[];
  /** Oldest first. */
  audit: (AuditEntry & { at: string })[];
}

/** How many rows an erasure removed (or would remove), by kind; no value of the customer's. */
export interface ErasedRows {
  contacts: number;
  profile: number;
  sessions: number;
  activationLinks: number;
  identityCases: number;
  policies: number;
  /** The account's audit entries whose personal details (a reviewer's comment, contact values) were removed. */
  auditEntriesRedacted: number;
  /** Queued jobs (sealed) that named the customer: notices, letters, desk posts. */
  jobs: number;
}

/**
 * A customer's records for data requests (export, erasure). Part of the records (Postgres, PGlite); passes
 * `test/contracts/customer-records.contract.ts`.
 */
/** A data request a customer made in the chat, not fulfilled yet: what operators are to do, and for whom. */
export interface OpenDataRequest {
  kind: DataRequestKind;
  since: Date;
  /** Who asked (`customer:tg`…). */
  actor: string;
  accountId: string;
  /** Their contacts, to run the command with and to answer to. */
  contacts: { kind: ContactKind; value: string }[];
}

export interface CustomerRecords {
  /** Data requests not fulfilled yet (AccountRepository.requestData), oldest first. */
  openRequests(): Promise<OpenDataRequest[]>;
  /** The account a contact belongs to (an e-mail in any letter case, a phone in E.164), or null. */
  accountOf(kind: ContactKind, value: string): Promise<string | null>;
  /** Everything held about the account, or null when there is no such account. */
  recordOf(accountId: string): Promise<CustomerRecord | null>;
  /**
   * Deletes the account's contacts, profile, sessions, activation links, identity cases, policies and queued jobs
   * naming it, and redacts its audit entries, in one transaction, with an audit entry `customer.erased` by `actor`.
   * Deletes the account itself too; keeps what proves consent: the consent rows, which name the account's id (no
   * foreign key: they outlive it), and the audit log. `dryRun` counts and changes nothing. Running it
   * again on an erased account removes nothing more (and records the attempt). `conversations`: ids the state store
   * tied to the account, whose queued jobs go too; `elsewhere`: what went outside the records (files, state keys),
   * counted in the audit entry.
   */
  erase(
    accountId: string,
    actor: string,
    options: { dryRun: boolean; conversations: string[]; elsewhere?: Record<string, unknown> },
  ): Promise<ErasedRows>;
}
