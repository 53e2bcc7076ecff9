import type { Result } from '../result';

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
  /** Who or what created the account, for the audit log, e.g. `web:ab12…` or `import`. */
  actor: string;
}

export type CreateAccountError = 'email_taken' | 'phone_taken';

export interface AuditEntry {
  accountId: string | null;
  actor: string;
  /** A dotted verb, e.g. `account.created`. */
  action: string;
  details?: Record<string, unknown>;
}

/**
 * Customers' records. Production: Postgres. Embedded: PGlite.
 * Both pass `test/contracts/account-repository.contract.ts`.
 */
export interface AccountRepository {
  /** Creates the account, its contacts, its consent and an audit entry in one transaction. */
  createAccount(input: NewAccount): Promise<Result<Account, CreateAccountError>>;
  findByContact(kind: ContactKind, value: string): Promise<Account | null>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest audit entries of an account, newest first. */
  auditTrail(accountId: string, limit?: number): Promise<(AuditEntry & { at: Date })[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
