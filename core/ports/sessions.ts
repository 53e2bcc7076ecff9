import type { ChannelName } from '../messages';
import type { ContactKind } from './accounts';

/** What signing in checks a password against: one lookup, the same whether or not the contact is known. */
export interface Credentials {
  accountId: string;
  /** bcrypt; null for an account that has no password yet (imported). */
  passwordHash: string | null;
  /** The account's session generation when read: a session opened with an older one is refused. */
  generation: number;
  /** False while an activation link waits to be followed: the account cannot sign in yet. */
  activated: boolean;
  /** Set while the password is temporary: it signs in only to be changed, and not after this. */
  temporaryUntil: Date | null;
}

/** Why a session is over, told to the conversation it ends at its next message. */
export type SessionEnd = 'logged_out' | 'expired' | 'password_changed' | 'ended_elsewhere' | 'unknown';

export type SessionStatus = { live: true; accountId: string } | { live: false; reason: SessionEnd };

/** An open session as "My account" lists it. */
export interface SessionRecord {
  id: string;
  channel: ChannelName;
  startedAt: Date;
  lastActiveAt: Date;
}

export interface NewSession {
  /** Derived from the conversation and the event that signed in: opening it again (a re-run turn) is a no-op. */
  id: string;
  accountId: string;
  /** The generation the password was checked at; the session is refused if the account moved on since. */
  generation: number;
  channel: ChannelName;
  /** SHA-256 of the conversation id (core/sessions.ts). */
  conversationRef: string;
  /** For the audit log, e.g. `customer:tg`. */
  actor: string;
}

export interface PasswordChange {
  accountId: string;
  /** bcrypt of the new password. */
  passwordHash: string;
  /** The request (event) making the change: the same request again changes nothing. */
  requestId: string;
  actor: string;
  /** Recorded in the audit entry (e.g. the reset's mode and channel); never a secret. */
  details: Record<string, string>;
  /**
   * Replacing a temporary password: only while it is still temporary and unexpired, the account active and at
   * this generation (the one it was typed at), so a change begun before the owner's own cannot land after it.
   */
  replacingTemporaryAt?: number;
}

/**
 * Sessions: conversations signed in to an account. An account keeps a generation; a session is live while it is
 * not ended and carries the account's current generation, so one update ends every session of an account and a
 * conversation learns it with one lookup by primary key at its next message. Part of the records (Postgres,
 * PGlite); both pass `test/contracts/sessions.contract.ts`.
 */
export interface SessionRepository {
  credentials(kind: ContactKind, value: string): Promise<Credentials | null>;
  /** Opens the session if the account is still at `generation`; true when it is live afterwards. */
  openSession(session: NewSession): Promise<boolean>;
  /** Whether the session is live; marks it active (at most once a minute, so a chatty chat costs no writes). */
  sessionStatus(id: string): Promise<SessionStatus>;
  /** The live session a conversation (by its ref) holds, if any: a Telegram chat whose state expired. */
  resumeSession(conversationRef: string): Promise<{ id: string; accountId: string } | null>;
  /** The account's live sessions, most recently active first. */
  listSessions(accountId: string): Promise<SessionRecord[]>;
  /** Ends one session (a sign-out, its conversation expired); ending an ended one does nothing. */
  endSession(id: string, reason: 'logged_out' | 'expired'): Promise<void>;
  /** Ends every live session of the account but `keep`; returns how many ended. */
  endOtherSessions(accountId: string, keep: string, actor: string): Promise<number>;
  /**
   * Sets a new password and ends every session of the account, with an audit entry; once per `requestId`.
   * Null only when `replacingTemporaryAt` no longer holds.
   */
  changePassword(change: PasswordChange): Promise<{ generation: number } | null>;
  /**
   * Deletes sessions over before `cutoff`: ended then, or ended by a password change and last active then. How
   * many went. Live sessions stay, however old (a Telegram chat stays signed in).
   */
  purgeSessions(cutoff: Date): Promise<number>;
}
