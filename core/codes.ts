import { retryCompareAndSet } from './compare-and-set';
import { foldCase } from './contacts';
import type { RateLimiter } from './ports/rate-limiter';
import type { StateStore } from './ports/state-store';
import type { CodePolicy } from './presets';

/** What a code confirms; a code issued for one purpose never confirms another. */
export type CodePurpose = 'register' | 'reset';

export type IssueOutcome =
  | { ok: true; code: string }
  /**
   * `usable`: the code sent moments ago still works, so the customer should type it; `issuedFor`: the event whose
   * code is live (neither expired nor typed yet), so its delivery can be made sure of.
   */
  | { ok: false; error: 'cooldown'; retryAfterSeconds: number; usable: boolean; issuedFor: string | null }
  /**
   * 'hourly_cap': the contact has had its codes for the hour; 'conversation_cap': this chat has asked for its own;
   * 'client_cap': so has the client behind it (a web address, a Telegram user), across its chats.
   */
  | { ok: false; error: 'hourly_cap' | 'conversation_cap' | 'client_cap'; retryAfterSeconds: number };

export type VerifyOutcome =
  | { ok: true }
  | { ok: false; error: 'wrong'; attemptsLeft: number }
  | { ok: false; error: 'expired' | 'too_many_attempts' | 'not_issued' };

/**
 * Stored per purpose, contact and requester (the conversation that asked for it), so nobody else can replace
 * the code or spend its tries. The code itself is kept only as an HMAC. Times in epoch ms.
 */
interface CodeRecord {
  hash: string;
  issuedAt: number;
  expiresAt: number;
  attempts: number;
  /** When it was typed right; typing it again stays right until it expires (a retry after an outage). */
  confirmedAt: number | null;
  /** The event that asked for it: asking again for the same event (a re-run turn) gives the same code. */
  issuedFor: string;
  /** Random per issue, so an event id seen before never yields an earlier code again. */
  nonce: string;
}

export interface CodeServiceOptions {
  store: StateStore;
  /** Caps sends per contact (`CodePolicy.sendsPerHour`), against pumping SMS to one number. */
  limiter: RateLimiter;
  /** Caps sends per requester (conversation), against one chat spraying codes at many contacts. */
  requesterLimiter: RateLimiter;
  /** Caps sends per client across its conversations (`CodePolicy.sendsPerClientPerHour`). */
  clientLimiter: RateLimiter;
  /** Keys the HMAC of stored codes: a leaked store alone does not let anyone try the million codes offline. */
  secret: Uint8Array;
  policy: CodePolicy;
  now?: () => number;
}

/** 6-digit one-time codes: random, hashed, expiring, with limited tries, resend cooldown and an hourly cap. */
export function createCodeService(options: CodeServiceOptions) {
  const { store, limiter, requesterLimiter, clientLimiter, secret, policy, now = Date.now } = options;
  const keyOf = (purpose: CodePurpose, contact: string, requester: string) =>
    `code:${purpose}:${foldCase(contact)}:${requester}`;
  const hmacKey = crypto.subtle.importKey(
    'raw',
    new Uint8Array(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );

  // A key of its own for deriving codes (HMAC of a label under the secret), apart from the one that hashes them.
  const codeKey = hmacKey
    .then((key) => crypto.subtle.sign('HMAC', key, new TextEncoder().encode('kabinet:code-derivation')))
    .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));

  /**
   * The code for one request: six digits from an HMAC under a key derived from the secret, over what was asked
   * and by which event. Unpredictable without the secret, like a random code, and the same for the same event,
   * so a re-run turn and the delivery job (which is told the event, never the code) agree on it.
   */
  async function codeFor(
    purpose: CodePurpose,
    contact: string,
    requester: string,
    record: Pick<CodeRecord, 'issuedFor' | 'nonce'>,
  ) {
    const message = new TextEncoder().encode(
      `${purpose}|${foldCase(contact)}|${requester}|${record.issuedFor}|${record.nonce}`,
    );
    return digitsFrom(new Uint8Array(await crypto.subtle.sign('HMAC', await codeKey, message)));
  }

  // A third key, for what travels with a code (a reset's new password): knowing a code tells nothing of it.
  const companionKey = hmacKey
    .then((key) => crypto.subtle.sign('HMAC', key, new TextEncoder().encode('kabinet:code-companion')))
    .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));

  async function read(purpose: CodePurpose, contact: string, requester: string): Promise<CodeRecord | null> {
    const stored = await store.get(keyOf(purpose, contact, requester));
    return stored ? (JSON.parse(stored.value) as CodeRecord) : null;
  }

  async function digest(
    purpose: CodePurpose,
    contact: string,
    requester: string,
    code: string,
  ): Promise<string> {
    const message = new TextEncoder().encode(`${purpose}|${foldCase(contact)}|${requester}|${code}`);
    const mac = await crypto.subtle.sign('HMAC', await hmacKey, message);
    return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  return {
    /**
     * A new code for `contact`, replacing the requester's earlier one; the caller has it delivered (by `event`)
     * and forgets it. Issuing again for the same event is not a new request: it gives the same code, spending no
     * budget and meeting no cooldown.
     */
    async issue(
      purpose: CodePurpose,
      contact: string,
      requester: string,
      event: string,
      /** Who the channel says is asking; by default the requester alone. */
      client: string = requester,
    ): Promise<IssueOutcome> {
      const key = keyOf(purpose, contact, requester);
      const stored = await store.get(key);
      const previous = stored ? (JSON.parse(stored.value) as CodeRecord) : null;
      if (previous?.issuedFor === event)
        return { ok: true, code: await codeFor(purpose, contact, requester, previous) };
      const sinceLast = previous ? (now() - previous.issuedAt) / 1000 : Number.POSITIVE_INFINITY;
      if (previous && sinceLast < policy.resendCooldownSeconds) {
        const retryAfterSeconds = Math.ceil(policy.resendCooldownSeconds - sinceLast);
        const usable = now() < previous.expiresAt && previous.attempts < policy.maxAttempts;
        return {
          ok: false,
          error: 'cooldown',
          retryAfterSeconds,
          usable,
          issuedFor: usable && previous.confirmedAt === null ? previous.issuedFor : null,
        };
      }
      for (const [budget, key, error] of [
        [requesterLimiter, requester, 'conversation_cap'],
        [clientLimiter, client, 'client_cap'],
        [limiter, foldCase(contact), 'hourly_cap'],
      ] as const) {
        const spent = await budget.consume(key);
        if (!spent.allowed) return { ok: false, error, retryAfterSeconds: spent.retryAfterSeconds };
      }
      const draft = { issuedFor: event, nonce: crypto.randomUUID() };
      const code = await codeFor(purpose, contact, requester, draft);
      const record: CodeRecord = {
        ...draft,
        hash: await digest(purpose, contact, requester, code),
        issuedAt: now(),
        expiresAt: now() + policy.ttlSeconds * 1000,
        attempts: 0,
        confirmedAt: null,
      };
      // Kept past expiry for the cooldown and to tell "expired" from "never sent".
      const ttl = Math.max(policy.ttlSeconds, policy.resendCooldownSeconds) * 2;
      const written = await store.compareAndSet(key, stored?.version ?? 0, JSON.stringify(record), ttl);
      // The same conversation asked twice at once: the first code stands, and this request is in cooldown.
      if (written === null) {
        return {
          ok: false,
          error: 'cooldown',
          retryAfterSeconds: policy.resendCooldownSeconds,
          usable: true,
          issuedFor: null,
        };
      }
      return { ok: true, code };
    },

    /**
     * The code `event` asked for, while it is still the requester's current one; null once another request
     * replaced it or it expired (a delivery retried too late must not send a dead code).
     */
    async current(
      purpose: CodePurpose,
      contact: string,
      requester: string,
      event: string,
    ): Promise<string | null> {
      const record = await read(purpose, contact, requester);
      if (!record || record.issuedFor !== event || now() >= record.expiresAt) return null;
      return codeFor(purpose, contact, requester, record);
    },

    /**
     * 32 bytes that go with one code and nobody else's: derived like the code, under a key of their own, from the
     * request `event` made (null: whichever code is current, e.g. once it was typed right). Null when there is no
     * such code, or it expired. A reset derives its new password from them, at delivery and again at the change,
     * so the password is never stored anywhere.
     */
    async companion(
      purpose: CodePurpose,
      contact: string,
      requester: string,
      event: string | null,
    ): Promise<Uint8Array | null> {
      const record = await read(purpose, contact, requester);
      if (!record || (event !== null && record.issuedFor !== event) || now() >= record.expiresAt) return null;
      const message = new TextEncoder().encode(
        `${purpose}|${foldCase(contact)}|${requester}|${record.issuedFor}|${record.nonce}`,
      );
      return new Uint8Array(await crypto.subtle.sign('HMAC', await companionKey, message));
    },

    /** Whether the requester typed the current code right and it has not expired: what a reset's last step needs. */
    async confirmed(purpose: CodePurpose, contact: string, requester: string): Promise<boolean> {
      const record = await read(purpose, contact, requester);
      return record !== null && record.confirmedAt !== null && now() < record.expiresAt;
    },

    /**
     * Ends the requester's code now, typed right or not: what it proved has bought one answer, and the next one
     * costs a new code (its resend pause still runs from this one's issue).
     */
    async spend(purpose: CodePurpose, contact: string, requester: string): Promise<void> {
      await retryCompareAndSet(store, keyOf(purpose, contact, requester), (current) => {
        const record = current ? (JSON.parse(current) as CodeRecord) : null;
        if (!record || now() >= record.expiresAt) return null;
        const ttlSeconds = Math.max(1, Math.ceil((record.issuedAt - now()) / 1000) + policy.ttlSeconds * 2);
        return { value: JSON.stringify({ ...record, expiresAt: now() }), ttlSeconds };
      });
    },

    /**
     * Checks a typed code. A wrong one spends a try. A right one is marked confirmed and stays right for this
     * requester until it expires, so a customer whose next step failed (an outage) can type it again.
     */
    async verify(
      purpose: CodePurpose,
      contact: string,
      requester: string,
      typed: string,
    ): Promise<VerifyOutcome> {
      const key = keyOf(purpose, contact, requester);
      const typedHash = await digest(purpose, contact, requester, typed);
      let outcome: VerifyOutcome = { ok: false, error: 'not_issued' };
      /** The answer without a write. */
      const answer = (result: VerifyOutcome) => {
        outcome = result;
        return null;
      };
      await retryCompareAndSet(store, key, (current) => {
        if (!current) return answer({ ok: false, error: 'not_issued' });
        const record = JSON.parse(current) as CodeRecord;
        if (now() >= record.expiresAt) return answer({ ok: false, error: 'expired' });
        if (record.attempts >= policy.maxAttempts) return answer({ ok: false, error: 'too_many_attempts' });
        const right = constantTimeEqual(typedHash, record.hash);
        if (right && record.confirmedAt !== null) return answer({ ok: true });
        const next: CodeRecord = right
          ? { ...record, confirmedAt: now() }
          : { ...record, attempts: record.attempts + 1 };
        const attemptsLeft = policy.maxAttempts - next.attempts;
        outcome = right
          ? { ok: true }
          : attemptsLeft > 0
            ? { ok: false, error: 'wrong', attemptsLeft }
            : { ok: false, error: 'too_many_attempts' };
        const ttlSeconds = Math.max(1, Math.ceil((record.issuedAt - now()) / 1000) + policy.ttlSeconds * 2);
        return { value: JSON.stringify(next), ttlSeconds };
      });
      return outcome;
    },
  };
}

export type CodeService = ReturnType<typeof createCodeService>;

/**
 * Six uniform digits from a MAC: the first 32-bit word below the largest multiple of 10^6 (rejection avoids
 * modulo bias; a 32-byte MAC has eight words, and all eight are rejected with probability below 10^-20).
 */
function digitsFrom(mac: Uint8Array): string {
  const limit = 1_000_000;
  const ceiling = Math.floor(2 ** 32 / limit) * limit;
  const words = new DataView(mac.buffer, mac.byteOffset, mac.byteLength);
  for (let offset = 0; offset + 4 <= mac.byteLength; offset += 4) {
    const value = words.getUint32(offset);
    if (value < ceiling) return String(value % limit).padStart(6, '0');
  }
  throw new Error('no unbiased word in the MAC');
}

/** Compares two equal-length hex digests without stopping at the first difference. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
