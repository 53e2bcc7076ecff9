import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  /** bcrypt; null for accounts created without a password (imported, or awaiting activation). */
  passwordHash: text('password_hash'),
  createdAt: createdAt(),
  /**
   * Sessions of this account are live only while their generation equals this one: bumping it ends every
   * session at once (a password change, "end all other sessions") without a scan over conversations.
   */
  sessionGeneration: integer('session_generation').notNull().default(0),
  /** Why the generation was last bumped, told to a conversation signed out by it. */
  sessionsEndedReason: text('sessions_ended_reason'),
  passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
  /** The request that last changed the password: the same request again changes nothing (a re-run turn). */
  passwordChangeRef: text('password_change_ref'),
  /**
   * When the cabinet was activated; null while an activation link (Victoria) waits to be followed. Accounts that
   * need no activation get it at creation.
   */
  activatedAt: timestamp('activated_at', { withTimezone: true }),
  /** Set while the password is a temporary one: it signs in only to be changed, and not after this. */
  temporaryPasswordUntil: timestamp('temporary_password_until', { withTimezone: true }),
});

/**
 * Activation links (Victoria): the token only as a SHA-256, single use, expiring. `conversationId` and `channel`
 * name the chat that registered, which is told when the link is followed (a web chat's id is a hash, no bearer).
 */
export const activationTokens = pgTable(
  'activation_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    conversationId: text('conversation_id'),
    channel: text('channel'),
    createdAt: createdAt(),
  },
  (t) => [index('activation_tokens_account_idx').on(t.accountId)],
);

export const contactKind = pgEnum('contact_kind', ['email', 'phone']);

/** A contact value belongs to one account at most: the primary key is what makes registration race-safe. */
export const contacts = pgTable(
  'contacts',
  {
    kind: contactKind('kind').notNull(),
    /** As the customer typed it, normalised: the e-mail's domain lower-case and punycode, a phone in E.164. */
    value: text('value').notNull(),
    /** What it is matched by (core/contacts.ts contactKey): an e-mail whatever its letter case. Unique per kind. */
    key: text('key').notNull(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] }), index('contacts_account_idx').on(t.accountId)],
);

/**
 * Proof that consent was given (152-FZ art. 9 p. 3): it outlives an erased account, so `accountId` names the account
 * without a foreign key (the audit log's `customer.erased` entry names it too).
 */
export const consents = pgTable(
  'consents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: uuid('account_id').notNull(),
    agreementVersion: text('agreement_version').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('consents_account_idx').on(t.accountId)],
);

export const profiles = pgTable('profiles', {
  accountId: uuid('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  surname: text('surname'),
  givenName: text('given_name'),
  patronymic: text('patronymic'),
  birthDate: text('birth_date'),
  sex: text('sex'),
  documentType: text('document_type'),
  /** AES-GCM ciphertext (base64url) under DATA_KEY; never stored in clear. */
  documentSeries: text('document_series_enc'),
  documentNumber: text('document_number_enc'),
  completedAt: timestamp('completed_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A conversation signed in to an account. Live while not ended and its generation is the account's.
 * `conversationRef` is a SHA-256 of the conversation id: a Telegram chat finds its session again after its state
 * expired, and no web chat's id (a bearer of its conversation) is kept here.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    conversationRef: text('conversation_ref').notNull(),
    generation: integer('generation').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
  },
  (t) => [
    index('sessions_account_idx').on(t.accountId),
    index('sessions_conversation_idx').on(t.conversationRef),
  ],
);

/**
 * Policies, imported from the insurer's systems (`npm run import:policies`). A policy belongs to the account its
 * holder's contacts name (`matchedBy` 'contact'), or, when only the holder's document is known, to the account
 * whose profile carries that document ('document': shown once the identity is confirmed). The document is kept
 * only as a keyed fingerprint, for matching.
 */
export const policies = pgTable(
  'policies',
  {
    number: text('number').primaryKey(),
    product: text('product').notNull(),
    /** ISO dates (YYYY-MM-DD). */
    startsOn: text('starts_on').notNull(),
    endsOn: text('ends_on').notNull(),
    holderAccountId: uuid('holder_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    matchedBy: text('matched_by'),
    holderDocumentType: text('holder_document_type'),
    /** HMAC under a key derived from DATA_KEY of the document's type and number: matchable, not readable. */
    holderDocumentFingerprint: text('holder_document_fingerprint'),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('policies_holder_idx').on(t.holderAccountId),
    index('policies_document_idx').on(t.holderDocumentFingerprint),
  ],
);

/** Identity cases (core/ports/identity-cases.ts): the images by file id only, the status changed by compare-and-set. */
export const identityCases = pgTable(
  'identity_cases',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    conversationId: text('conversation_id').notNull(),
    status: text('status').notNull(),
    images: jsonb('images')
      .$type<Record<string, { fileId: string; notes: string[] }>>()
      .notNull()
      .default({}),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    answerBy: timestamp('answer_by', { withTimezone: true }),
    reviewer: text('reviewer'),
    reason: text('reason'),
    requestedImage: text('requested_image'),
    /**
     * The profile's document when the case was sent (the keyed fingerprint the policy import uses): approval
     * links the policies naming it, whatever the profile says by then.
     */
    documentFingerprint: text('document_fingerprint'),
    /** When the reviewer in `reviewer` took the case: a claim expires, and then another may take it. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /** Where staff's desk shows the current submission (Slack: `channel/ts`); written after posting. */
    deskRef: text('desk_ref'),
    /** When the case was approved or rejected: its pictures are kept for the retention period after it. */
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('identity_cases_account_idx').on(t.accountId),
    index('identity_cases_status_idx').on(t.status, t.submittedAt),
    // At most one open case per account, whatever races: the database says so.
    uniqueIndex('identity_cases_one_open_idx')
      .on(t.accountId)
      .where(sql`status in ('draft', 'submitted', 'in_review', 'resubmission_requested')`),
  ],
);

/**
 * Append-only: who did what to which account, and when. It outlives the accounts it names (an erasure, a withdrawn
 * registration), so `accountId` has no foreign key.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    accountId: uuid('account_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_account_idx').on(t.accountId, t.at)],
);

/**
 * What conversations did, for the funnel page (core/ports/funnel.ts): a step reached, an answer refused (its
 * message key, never the text), a flow finished or left. `life` is a keyed pseudonym of one life of a
 * conversation, so no row leads to a customer; kept FUNNEL_DAYS (core/retention.ts).
 */
export const funnelEvents = pgTable(
  'funnel_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    preset: text('preset').notNull(),
    flow: text('flow').notNull(),
    life: text('life').notNull(),
    /** The life's turn count: orders its events whichever instance recorded them (their clocks may differ). */
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    step: text('step').notNull(),
    reason: text('reason'),
  },
  (t) => [
    index('funnel_events_flow_idx').on(t.preset, t.flow, t.at),
    index('funnel_events_life_idx').on(t.life, t.flow, t.seq),
    index('funnel_events_at_idx').on(t.at),
  ],
);
