import { describe, it } from 'vitest';
import { closeRedis, createRedisClient } from '../db/redis';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { stateStoreContract } from './contracts/state-store.contract';
import { serviceUrl, uniquePrefix } from './support/services';

stateStoreContract('in-process memory', async () => {
  let now = 1_700_000_000_000;
  const store = createMemoryStateStore({ now: () => now, sweepEvery: 3 });
  return {
    store,
    advance: async (seconds) => {
      now += seconds * 1000;
    },
    close: async () => {},
  };
});

const redisUrl = serviceUrl('REDIS_URL');
if (redisUrl) {
  stateStoreContract(`Redis at ${redisUrl}`, async () => {
    const redis = createRedisClient(redisUrl, uniquePrefix('state'));
    return {
      store: createRedisStateStore(redis),
      advance: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
      close: () => closeRedis(redis),
    };
  });
} else {
  describe.skip('StateStore contract: Redis (set REDIS_URL to run)', () => {
    it('runs against real Redis', () => {});
  });
}
