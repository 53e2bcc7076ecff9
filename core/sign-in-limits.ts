import { KeepsChangingError, retryCompareAndSet } from './compare-and-set';
import { contactKey, type TypedContact } from './contacts';
import type { RateLimiter } from './ports/rate-limiter';
import type { StateStore } from './ports/state-store';

/**
 * Brute-force detection after Keycloak's: failures are counted per contact, and after `failuresBeforeLock` of
 * them the contact is locked for `firstLockSeconds`, doubling with each further failure up to `maxLockSeconds`.
 * A success (or a password reset) clears the count; so do `forgetAfterSeconds` without a failure.
 */
export interface LockoutPolicy {
  failuresBeforeLock: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
  forgetAfterSeconds: number;
}

export const defaultLockout: LockoutPolicy = {
  failuresBeforeLock: 5,
  firstLockSeconds: 60,
  maxLockSeconds: 15 * 60,
  forgetAfterSeconds: 12 * 60 * 60,
};

/** Epoch ms. */
interface FailureRecord {
  failures: number;
  lockedUntil: number;
}

/** A try let through: `lockedIfWrong` when this very try is the one that locks the contact should it fail. */
export type Admission =
  | { ok: true; lockedForSeconds: number | null }
  | { ok: false; error: 'locked' | 'too_many'; retryAfterSeconds: number };

export interface SignInLimitsOptions {
  /** Shared by every instance (Redis in production), so a lockout holds wherever the next try lands. */
  store: StateStore;
  /** Tries per conversation, and per client (a web client's address, a Telegram user), whatever the contact. */
  perConversation: RateLimiter;
  perClient: RateLimiter;
  policy?: LockoutPolicy;
  now?: () => number;
}

/**
 * Counted per contact typed, not per account: an unknown contact locks exactly like a known one, so a lockout
 * says nothing about whether an account exists (an account's e-mail and phone count apart, which at most
 * doubles a guesser's tries before the wait starts doubling). A try is counted as failed *before* its password is
 * checked, in one compare-and-set, and forgotten if it succeeds: tries sent in parallel cannot all slip in before
 * the lock, and a try whose count cannot be written is refused, never checked.
 */
export function createSignInLimits(options: SignInLimitsOptions) {
  const { store, perConversation, perClient, now = Date.now } = options;
  const policy = options.policy ?? defaultLockout;
  // One lock per mailbox, however its letters are typed.
  const keyOf = (contact: TypedContact) =>
    `signin-failures:${contact.kind}:${contactKey(contact.kind, contact.value)}`;
  const read = (value: string | null | undefined): FailureRecord =>
    value ? (JSON.parse(value) as FailureRecord) : { failures: 0, lockedUntil: 0 };
  const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - now()) / 1000));
  const lockSecondsAfter = (failures: number) => {
    const over = failures - policy.failuresBeforeLock;
    return over >= 0 ? Math.min(policy.maxLockSeconds, policy.firstLockSeconds * 2 ** Math.min(over, 30)) : 0;
  };

  return {
    /**
     * Lets one try go ahead, or says why not: the contact is locked, or this conversation or client is out of
     * tries. The try is already counted as a failure when this returns; `cleared` forgets it on success.
     */
    async admit(contact: TypedContact, who: { conversation: string; client: string }): Promise<Admission> {
      const stored = await store.get(keyOf(contact));
      const { lockedUntil } = read(stored?.value);
      if (lockedUntil > now())
        return { ok: false, error: 'locked', retryAfterSeconds: secondsUntil(lockedUntil) };
      for (const [budget, key] of [
        [perConversation, who.conversation],
        [perClient, who.client],
      ] as const) {
        const spent = await budget.consume(key);
        if (!spent.allowed)
          return { ok: false, error: 'too_many', retryAfterSeconds: spent.retryAfterSeconds };
      }
      let admission: Admission = { ok: true, lockedForSeconds: null };
      try {
        await retryCompareAndSet(store, keyOf(contact), (current) => {
          const record = read(current);
          if (record.lockedUntil > now()) {
            admission = { ok: false, error: 'locked', retryAfterSeconds: secondsUntil(record.lockedUntil) };
            return null;
          }
          const failures = record.failures + 1;
          const lockSeconds = lockSecondsAfter(failures);
          admission = { ok: true, lockedForSeconds: lockSeconds > 0 ? lockSeconds : null };
          const next: FailureRecord = {
            failures,
            lockedUntil: lockSeconds > 0 ? now() + lockSeconds * 1000 : record.lockedUntil,
          };
          return { value: JSON.stringify(next), ttlSeconds: policy.forgetAfterSeconds + lockSeconds };
        });
      } catch (error) {
        // Tries racing for one contact faster than their counts can be written: an attack. Refused unchecked.
        if (!(error instanceof KeepsChangingError)) throw error;
        return { ok: false, error: 'locked', retryAfterSeconds: policy.firstLockSeconds };
      }
      return admission;
    },

    /** Forgets the contact's failures (a right password, a password reset). */
    cleared: (contact: TypedContact) => store.delete(keyOf(contact)),
  };
}

export type SignInLimits = ReturnType<typeof createSignInLimits>;
