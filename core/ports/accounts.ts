import type { Result } from '../result';
import type { ActivationRepository, PendingActivation } from './activation';
import type { SessionRepository } from './sessions';

/** The kinds of contact an account is reached by; each value belongs to at most one account. */
export type ContactKind = 'email' | 'phone';

export interface Account {
  id: string;
  email: string;
  /** E.164, e.g. +79161234567. */
  phone: string;
  createdAt: Date;
}

export interface NewAccount {
  email: string;
  phone: string;
  /** bcrypt hash; the clear password never reaches a repository. Null for accounts created without one. */
  passwordHash: string | null;
  consent: { agreementVersion: string; acceptedAt: Date };
  /** When both contacts were proven by codes; null when they were not (imported accounts). */
  contactsVerifiedAt: Date | null;
  /** Who or what created the account, for the audit log, e.g. `customer:web` or `import`. */
  actor: string;
  /** Created waiting for an activation link (Victoria): `passwordHash` is then a temporary password's. */
  activation?: PendingActivation;
}

export type CreateAccountError = 'email_taken' | 'phone_taken';

/** The customer as their identity document names them. `birthDate` is ISO (YYYY-MM-DD). */
export interface ProfileDetails {
  surname: string;
  givenName: string;
  /** Null where the document has none. */
  patronymic: string | null;
  birthDate: string;
  sex: 'male' | 'female';
}

/** Personal data: stored encrypted, shown masked. */
export interface IdentityDocument {
  type: string;
  series: string | null;
  number: string;
}

export interface AccountOverview {
  account: Account;
  contactsVerified: boolean;
  profileComplete: boolean;
  /** The document on file, masked (`45** ***456`), or null. */
  document: { type: string; masked: string } | null;
}

/** What a reviewer compares the pictures with. */
export interface ReviewedProfile {
  surname: string | null;
  givenName: string | null;
  patronymic: string | null;
  /** ISO date. */
  birthDate: string | null;
  documentType: string | null;
  /** Series and number as typed (unmasked). */
  document: string | null;
}

/** A policy as the customer sees it. Dates ISO (YYYY-MM-DD). */
export interface PolicySummary {
  number: string;
  product: string;
  startsOn: string;
  endsOn: string;
  /** 'document': linked by the holder's identity document, shown only once the identity is confirmed. */
  matchedBy: 'contact' | 'document';
}

/** What a customer may ask of their data (152-FZ arts. 14 and 21): a copy of it, or its erasure. */
export type DataRequestKind = 'export' | 'erase';

export interface DataRequest {
  accountId: string;
  kind: DataRequestKind;
  /** Who asked, e.g. `customer:tg`. */
  actor: string;
  /** The message that asked: the same message handled again records nothing more. */
  requestId: string;
}

export interface AuditEntry {
  accountId: string | null;
  actor: string;
  /** A dotted verb, e.g. `account.created`. */
  action: string;
  details?: Record<string, unknown>;
}

/**
 * Customers' records, their sessions included. Production: Postgres. Embedded: PGlite.
 * Both pass `test/contracts/account-repository.contract.ts` and `test/contracts/sessions.contract.ts`.
 */
export interface AccountRepository extends SessionRepository, ActivationRepository {
  /**
   * Creates the account, its contacts, its consent and an audit entry in one transaction. Idempotent for a
   * retry of the same registration (same contacts and password hash): returns the account it created.
   */
  createAccount(input: NewAccount): Promise<Result<Account, CreateAccountError>>;
  findByContact(kind: ContactKind, value: string): Promise<Account | null>;
  /** Stores (or replaces) the identity document, encrypted at rest. */
  saveDocument(accountId: string, document: IdentityDocument, actor: string): Promise<void>;
  /** Saves the profile and marks it complete; refused while no document is on file. */
  completeProfile(
    accountId: string,
    profile: ProfileDetails,
    actor: string,
  ): Promise<Result<void, 'no_document'>>;
  overview(accountId: string): Promise<AccountOverview | null>;
  /** The account's policies, latest ending first; whether each was matched by contact or by document. */
  policiesOf(accountId: string): Promise<PolicySummary[]>;
  /**
   * The profile in full, document number unmasked, for staff comparing it with the passport pictures (our own
   * review page only; never for a channel outside Kabinet). Null without a profile.
   */
  profileForReview(accountId: string): Promise<ReviewedProfile | null>;
  /** The keyed fingerprint of the profile's document (as the policy import takes it), or null without one. */
  documentFingerprint(accountId: string): Promise<string | null>;
  /**
   * Gives the account the imported policies naming the document `fingerprint` whose holder is one the import made
   * (no password: bought earlier under other contacts) or none: called
   * once its identity is confirmed against that document (a typed number alone claims nothing). Returns how many.
   */
  linkPoliciesByDocument(accountId: string, fingerprint: string, actor: string): Promise<number>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * Records a customer's data request for operators to fulfil (`npm run customer:requests` lists the open ones;
   * `customer:export` or `customer:erase` fulfils one), in the audit log. Returns the open request of that kind:
   * this one (`fresh`), or one asked earlier and not fulfilled yet, which this one joins.
   */
  requestData(request: DataRequest): Promise<{ since: Date; fresh: boolean }>;
  /** The newest audit entries of an account, newest first. */
  auditTrail(accountId: string, limit?: number): Promise<(AuditEntry & { at: Date })[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
