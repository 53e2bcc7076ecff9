import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../core/ports/rate-limiter';
import { createRateLimiter } from '../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { serviceUrl, uniquePrefix } from './support/services';

function rateLimiterContract(name: string, open: (points: number) => RateLimiter) {
  describe(`RateLimiter contract: ${name}`, () => {
    it('allows the budget, then refuses with the time until a unit frees up', async () => {
      const limiter = open(3);
      for (let i = 0; i < 3; i++) expect(await limiter.consume('anna@example.ru')).toEqual({ allowed: true });
      const refused = await limiter.consume('anna@example.ru');
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    });

    it('keeps separate budgets per key', async () => {
      const limiter = open(1);
      expect(await limiter.consume('a')).toEqual({ allowed: true });
      expect(await limiter.consume('b')).toEqual({ allowed: true });
      expect((await limiter.consume('a')).allowed).toBe(false);
    });

    it('counts concurrent consumers exactly', async () => {
      const limiter = open(5);
      const results = await Promise.all(Array.from({ length: 12 }, () => limiter.consume('busy')));
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
    });
  });
}

let n = 0;
rateLimiterContract('memory', (points) =>
  createRateLimiter({ name: `t${++n}`, points, durationSeconds: 3600 }),
);

const redisUrl = serviceUrl('REDIS_URL');
if (redisUrl) {
  const redis = createRedisClient(redisUrl, uniquePrefix('rl'));
  afterAll(() => closeRedis(redis));
  rateLimiterContract(`Redis at ${redisUrl}`, (points) =>
    createRateLimiter({ name: `t${++n}`, points, durationSeconds: 3600, redis }),
  );
} else {
  describe.skip('RateLimiter contract: Redis (set REDIS_URL to run)', () => {
    it('runs against real Redis', () => {});
  });
}
