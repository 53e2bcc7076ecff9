import type { ChannelName } from '../messages';

/** A new activation link and temporary password for an account that is not active yet (Victoria). */
export interface PendingActivation {
  /** SHA-256 of the link's token: the token itself is never stored. */
  tokenHash: string;
  /** When the link is made (the service's clock): orders links, and spaces renewals a minute apart. */
  createdAt: Date;
  expiresAt: Date;
  /** The temporary password signs in only to be changed, and not after this. */
  temporaryPasswordUntil: Date;
  /** The chat to tell when the link is followed (the one that registered or asked again), or null. */
  conversationId: string | null;
  channel: ChannelName | null;
}

export type ActivationOutcome =
  | {
      ok: true;
      accountId: string;
      /** The chat to tell, or null (a link sent again from the page). */
      notify: { conversationId: string; channel: ChannelName } | null;
    }
  /**
   * `used`: followed before (the cabinet is active); `expired`: too late, a new link can be sent from it;
   * `superseded`: a newer link was sent, only that one counts.
   */
  | { ok: false; error: 'unknown' | 'expired' | 'used' | 'superseded'; accountId: string | null };

/** What following a link would do now: activate the account registered with the phone ending `phoneEnd`, or not. */
export type LinkState =
  | { ok: true; accountId: string; phoneEnd: string }
  | Extract<ActivationOutcome, { ok: false }>;

/** What asking for a new link did: sent one, found the cabinet active already, or asked again too soon. */
export type Renewal = 'renewed' | 'active' | 'too_soon';

/**
 * Activation links, part of the records (Postgres, PGlite); both pass `test/contracts/activation.contract.ts`.
 */
export interface ActivationRepository {
  /** Follows a link: activates the account once; a second follow, an expired or an unknown token says which. */
  activate(tokenHash: string): Promise<ActivationOutcome>;
  /** What following the link would do, changing nothing (a GET of the link: mail scanners open links). */
  inspect(tokenHash: string): Promise<LinkState>;
  /**
   * Withdraws a registration never activated, for whoever proved its e-mail otherwise (a reset code): the account
   * goes with its contacts and links, so both contacts are free to register again. Its phone was proven by whoever
   * registered, who need not be the mailbox's owner. False when the account is active (or gone) by now.
   */
  withdrawUnactivated(accountId: string, actor: string, reason: string): Promise<boolean>;
  /**
   * Accounts never activated whose every link expired before `before` (registrations left unfinished), at most
   * `limit`: retention withdraws them. Accounts made without a link (imported) are never among them.
   */
  unactivatedBefore(before: Date, limit: number): Promise<string[]>;
  /**
   * A new link and temporary password for an account still waiting for activation; earlier links stop working.
   * At most one a minute per account.
   */
  renewActivation(accountId: string, passwordHash: string, pending: PendingActivation): Promise<Renewal>;
}
