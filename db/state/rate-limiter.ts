import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from '../../core/ports/rate-limiter';

export interface RateLimiterOptions {
  /** Names the budget, so two limiters never share counters (e.g. `codes`). */
  name: string;
  points: number;
  durationSeconds: number;
  /** Redis for a budget shared by every instance; absent: this process only. */
  redis?: Redis;
}

/** rate-limiter-flexible behind the RateLimiter port, on Redis or in memory with the same semantics. */
export function createRateLimiter({ name, points, durationSeconds, redis }: RateLimiterOptions): RateLimiter {
  const options = { keyPrefix: `rl:${name}`, points, duration: durationSeconds };
  const limiter = redis
    ? new RateLimiterRedis({ ...options, storeClient: redis })
    : new RateLimiterMemory(options);
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (refusal) {
        // The library rejects with a RateLimiterRes when the budget is spent, and with an Error on an outage.
        if (refusal instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
        }
        throw refusal;
      }
    },
  };
}
