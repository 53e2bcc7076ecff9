import { afterAll, describe, it } from 'vitest';
import { createRateLimiter } from '../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { rateLimiterContract } from './contracts/rate-limiter.contract';
import { serviceUrl, uniquePrefix } from './support/services';

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
