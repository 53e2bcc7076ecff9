import { retryCompareAndSet } from './compare-and-set';
import type { TypedContact } from './contacts';
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

export type Admission = { ok: true } | { ok: false; error: 'locked' | 'too_many'; retryAfterSeconds: number };

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
 * doubles a guesser's tries before the wait starts doubling).
 */
export function createSignInLimits(options: SignInLimitsOptions) {
  const { store, perConversation, perClient, now = Date.now } = options;
  const policy = options.policy ?? defaultLockout;
  const keyOf = (contact: TypedContact) => `signin-failures:${contact.kind}:${contact.value}`;
  const read = (value: string | null | undefined): FailureRecord =>
    value ? (JSON.parse(value) as FailureRecord) : { failures: 0, lockedUntil: 0 };
  const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - now()) / 1000));

  return {
    /** Whether a try may go ahead: the contact is not locked, and this conversation and client have tries left. */
    async admit(contact: TypedContact, who: { conversation: string; client: string }): Promise<Admission> {
      const stored = await store.get(keyOf(contact));
      const { lockedUntil } = read(stored?.value ?? null);
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
      return { ok: true };
    },

    /** Counts a failed try; returns how long the contact is now locked, or null. */
    async failed(contact: TypedContact): Promise<{ lockedForSeconds: number } | null> {
      let locked: { lockedForSeconds: number } | null = null;
      await retryCompareAndSet(store, keyOf(contact), (current) => {
        const record = read(current);
        const failures = record.failures + 1;
        const over = failures - policy.failuresBeforeLock;
        const lockSeconds =
          over >= 0 ? Math.min(policy.maxLockSeconds, policy.firstLockSeconds * 2 ** Math.min(over, 30)) : 0;
        locked = lockSeconds > 0 ? { lockedForSeconds: lockSeconds } : null;
        const next: FailureRecord = {
          failures,
          lockedUntil: lockSeconds > 0 ? now() + lockSeconds * 1000 : record.lockedUntil,
        };
        return { value: JSON.stringify(next), ttlSeconds: policy.forgetAfterSeconds + lockSeconds };
      });
      return locked;
    },

    /** Forgets the contact's failures (a right password, a password reset). */
    cleared: (contact: TypedContact) => store.delete(keyOf(contact)),
  };
}

export type SignInLimits = ReturnType<typeof createSignInLimits>;
