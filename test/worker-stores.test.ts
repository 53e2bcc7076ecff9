import { afterAll, describe, it } from 'vitest';
import type { RateLimiter } from '../core/ports/rate-limiter';
import type { StateStore } from '../core/ports/state-store';
import type { TicketStore } from '../db/state/ticket-lock';
import { rateLimiterContract } from './contracts/rate-limiter.contract';
import { stateStoreContract } from './contracts/state-store.contract';
import { turnLockContract } from './contracts/turn-lock.contract';
import { serviceUrl, uniquePrefix } from './support/services';
import { startWorker } from './support/wrangler';

/**
 * The Redis-backed ports a Worker uses (state, turn lock, budgets) pass the same contract suites under workerd as on
 * Node: every call is one request to a Worker (test/support/workerd-stores.ts) that makes it on a Redis connection
 * of that request's own, as web/worker.ts does.
 */
const redisUrl = serviceUrl('REDIS_URL');
if (redisUrl) {
  const worker = startWorker({ REDIS_URL: redisUrl }, 'test/support/workerd-stores.ts');
  afterAll(async () => (await worker).stop());

  /** A port whose every method is a call made inside the Worker. */
  function remote<T>(port: string, prefix: string, extra: object = {}): T {
    return new Proxy({} as Record<string, unknown>, {
      get: (_target, method: string) =>
        method === 'then'
          ? undefined // not a promise
          : async (...args: unknown[]) => {
              const answer = await fetch((await worker).url, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ port, prefix, method, args, ...extra }),
              });
              const { result, error } = (await answer.json()) as { result?: unknown; error?: string };
              if (error !== undefined) throw new Error(error);
              return result;
            },
    }) as T;
  }

  stateStoreContract('Redis under workerd (a Worker’s store)', async () => ({
    store: remote<StateStore>('state', uniquePrefix('wstate')),
    advance: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    close: async () => {},
  }));

  turnLockContract('Redis under workerd (a Worker’s turn lock)', async () => {
    const prefix = uniquePrefix('wlock');
    return {
      stores: [remote<TicketStore>('tickets', prefix), remote<TicketStore>('tickets', prefix)],
      arrivalSpacingMs: 60,
      close: async () => {},
    };
  });

  let n = 0;
  const limiterPrefix = uniquePrefix('wrl');
  rateLimiterContract('Redis under workerd (a Worker’s budgets)', (points) =>
    remote<RateLimiter>('limiter', limiterPrefix, {
      limiter: { name: `t${++n}`, points, durationSeconds: 3600 },
    }),
  );
} else {
  describe.skip('Redis-backed ports under workerd (set REDIS_URL to run)', () => {
    it('runs against real Redis', () => {});
  });
}
