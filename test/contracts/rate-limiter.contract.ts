import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../core/ports/rate-limiter';

/** One behaviour, every place a budget is kept: every RateLimiter passes this. */
export function rateLimiterContract(name: string, open: (points: number) => RateLimiter) {
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
