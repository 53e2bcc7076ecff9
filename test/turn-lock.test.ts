import { describe, it } from 'vitest';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisTicketStore } from '../db/state/redis-ticket-store';
import { createMemoryTicketStore } from '../db/state/ticket-lock';
import { turnLockContract } from './contracts/turn-lock.contract';
import { serviceUrl, uniquePrefix } from './support/services';

turnLockContract('in-process memory', async () => {
  const store = createMemoryTicketStore();
  return { stores: [store, store], close: async () => {} };
});

const redisUrl = serviceUrl('REDIS_URL');
if (redisUrl) {
  turnLockContract(`Redis at ${redisUrl}`, async () => {
    const prefix = uniquePrefix('lock');
    const clients = [createRedisClient(redisUrl, prefix), createRedisClient(redisUrl, prefix)] as const;
    return {
      stores: [createRedisTicketStore(clients[0]), createRedisTicketStore(clients[1])],
      close: async () => {
        await Promise.all(clients.map(closeRedis));
      },
    };
  });
} else {
  describe.skip('TurnLock contract: Redis (set REDIS_URL to run)', () => {
    it('runs against real Redis', () => {});
  });
}
