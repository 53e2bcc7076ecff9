import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { closeRedis, createRedisClient } from '../db/state/redis';
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

describe('in-process state store', () => {
  it('keeps at most maxEntries, dropping the least recently written', async () => {
    const store = createMemoryStateStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.compareAndSet(key, 0, key, 60);
    await store.compareAndSet('a', 1, 'a2', 60); // "a" is now the newest write
    await store.compareAndSet('d', 0, 'd', 60);
    expect(await store.get('b')).toBeNull();
    expect((await Promise.all(['a', 'c', 'd'].map((k) => store.get(k)))).map((e) => e?.value)).toEqual([
      'a2',
      'c',
      'd',
    ]);
  });
});
