/**
 * A budget of events per key and window (e.g. 5 codes per contact per hour). Production: Redis; embedded: memory.
 * Both are rate-limiter-flexible and pass `test/contracts/rate-limiter.contract.ts`.
 */
export interface RateLimiter {
  /** Spends one unit of `key`'s budget; when none is left, says how long until one frees up (seconds). */
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}
