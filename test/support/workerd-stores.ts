import { createRateLimiter } from '../../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../../db/state/redis';
import { createRedisStateStore } from '../../db/state/redis-state-store';
import { createRedisTicketStore } from '../../db/state/redis-ticket-store';

/**
 * A Worker (for `wrangler dev`, tests only) that runs one call of a Redis-backed port per request, the way
 * web/worker.ts uses them: a Redis connection of the request's own, closed after it. test/worker-stores.test.ts
 * runs the ports' contract suites through it, so the stores a Worker uses pass the same suites under workerd
 * (ioredis over nodejs_compat's node:net) as on Node.
 *
 * POST / {port: 'state' | 'tickets' | 'limiter', prefix, method, args, limiter?} → {result} or {error} (500).
 */
interface Call {
  port: 'state' | 'tickets' | 'limiter';
  prefix: string;
  method: string;
  args: unknown[];
  limiter?: { name: string; points: number; durationSeconds: number };
}

export default {
  async fetch(
    request: Request,
    env: { REDIS_URL: string },
    ctx: { waitUntil(p: Promise<unknown>): void },
  ): Promise<Response> {
    if (request.method === 'GET') return new Response('ok');
    const call = (await request.json()) as Call;
    const redis = createRedisClient(env.REDIS_URL, call.prefix);
    try {
      const port =
        call.port === 'state'
          ? createRedisStateStore(redis)
          : call.port === 'tickets'
            ? createRedisTicketStore(redis)
            : createRateLimiter({ ...(call.limiter as NonNullable<Call['limiter']>), redis });
      const method = (port as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
        call.method
      ];
      if (!method) return Response.json({ error: `no method ${call.method}` }, { status: 400 });
      const result = await method(...call.args);
      return Response.json({ result }); // undefined stays undefined (no key), null stays null
    } catch (error) {
      return Response.json(
        { error: error instanceof Error ? error.message : String(error) },
        { status: 500 },
      );
    } finally {
      ctx.waitUntil(closeRedis(redis));
    }
  },
};
