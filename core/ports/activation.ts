import type { ChannelName } from '../messages';

/** A new activation link and temporary password for an account that is not active yet (Victoria). */
export interface PendingActivation {
  /** SHA-256 of the link's token: the token itself is never stored. */
  tokenHash: string;
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
  /** `used`: followed before (the cabinet is active); `expired`: too late, a new link can be sent. */
  | { ok: false; error: 'unknown' | 'expired' | 'used'; accountId: string | null };

/**
 * Activation links, part of the records (Postgres, PGlite); both pass `test/contracts/activation.contract.ts`.
 */
export interface ActivationRepository {
  /** Follows a link: activates the account once; a second follow, an expired or an unknown token says which. */
  activate(tokenHash: string): Promise<ActivationOutcome>;
  /**
   * A new link and temporary password for an account still waiting for activation; earlier links stop working.
   * False when the account is active already (nothing changed).
   */
  renewActivation(accountId: string, passwordHash: string, pending: PendingActivation): Promise<boolean>;
}
