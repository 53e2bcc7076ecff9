import type { TypedContact } from './contacts';
import type { PasswordHasher } from './ports/password-hasher';
import type { Credentials, SessionRepository } from './ports/sessions';
import { noTelemetry, type Telemetry } from './ports/telemetry';
import type { SignInLimits } from './sign-in-limits';

export type SignInOutcome =
  | { ok: true; credentials: Credentials }
  /** The contact is unknown or the password is not its: one answer for both. */
  | { ok: false; error: 'wrong' }
  /** Locked for this contact (too many failures), or this chat or client is out of tries. */
  | { ok: false; error: 'locked' | 'too_many'; retryAfterSeconds: number };

export interface SignInOptions {
  records: Pick<SessionRepository, 'credentials'>;
  passwords: PasswordHasher;
  limits: SignInLimits;
  telemetry?: Telemetry;
}

/**
 * Checks a contact and password. An unknown contact costs what a known one does: the same lookup, then a bcrypt
 * comparison against a hash made at start-up with the same cost, so neither the answer nor its time says whether
 * an account exists.
 */
export function createSignIn({ records, passwords, limits, telemetry = noTelemetry }: SignInOptions) {
  const count = (outcome: 'ok' | 'wrong' | 'locked' | 'budget') =>
    telemetry.record({ type: 'sign_in', outcome });
  // Hashed once, eagerly, so the first unknown contact does not pay for the hashing.
  const dummyHash = passwords.hash(
    [...crypto.getRandomValues(new Uint8Array(18))].map((b) => b.toString(36)).join(''),
  );
  dummyHash.catch(() => {}); // surfaced where it is awaited

  return {
    async attempt(
      contact: TypedContact,
      password: string,
      who: { conversation: string; client: string },
    ): Promise<SignInOutcome> {
      // Counted as a failure before the check (core/sign-in-limits.ts), forgotten below if it succeeds.
      const admitted = await limits.admit(contact, who);
      if (!admitted.ok) {
        count(admitted.error === 'too_many' ? 'budget' : 'locked');
        return admitted;
      }
      const credentials = await records.credentials(contact.kind, contact.value);
      const hash = credentials?.passwordHash ?? (await dummyHash);
      const matches = await passwords.verify(password, hash);
      if (!credentials?.passwordHash || !matches) {
        // The password was checked and wrong, whether or not this failure locks the contact: counted as wrong.
        count('wrong');
        return admitted.lockedForSeconds
          ? { ok: false, error: 'locked', retryAfterSeconds: admitted.lockedForSeconds }
          : { ok: false, error: 'wrong' };
      }
      await limits.cleared(contact);
      count('ok');
      return { ok: true, credentials };
    },
    /** Forgets a contact's failures (its password was just reset). */
    forget: (contact: TypedContact) => limits.cleared(contact),
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
