import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import type { Job, JobHandler, JobQueue } from '../core/ports/job-queue';
import type { BatchRef, Outlet } from '../core/ports/outlet';
import { batchKey, createReplyDelivery, DELIVERY_LEASE_MS } from '../core/replies';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createRedisTicketStore } from '../db/state/redis-ticket-store';
import { createTicketLock } from '../db/state/ticket-lock';
import { type PrivateRedis, REDIS_SERVER, startPrivateRedis } from './support/private-services';
import { servicesRequired } from './support/services';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redis stops right after a Telegram message went out and before its delivery cursor is recorded, for 10 s (as in
 * test/outages.test.ts, where it showed once as a reply sent twice). The sender rides the outage out to record it;
 * with the turn lock's 10 s lease, renewed in Redis, the lease had run out by Redis's clock when Redis was back: the
 * conversation's next job took the lock, read the cursor not recorded yet, and sent the message again.
 */
describe.runIf(existsSync(REDIS_SERVER) || servicesRequired)('delivery lock through a Redis outage', () => {
  let redis: PrivateRedis | undefined;
  afterAll(async () => {
    await redis?.close();
  });

  it('sends a message once when Redis stops between its send and its record, and the next batch arrives', async () => {
    redis = await startPrivateRedis();
    const client = createRedisClient(redis.url, 'dupe:');
    const store = createRedisStateStore(client);
    // As web/kabinet.ts wires it.
    const lock = createTicketLock(createRedisTicketStore(client), { leaseMs: DELIVERY_LEASE_MS });
    let handler: JobHandler | undefined;
    const queue: JobQueue = {
      send: async () => true,
      work: async (_queue, h) => {
        handler = h;
      },
      pending: async () => 0,
      stop: async () => {},
    };
    const sent: { batch: number; text: string; at: number }[] = [];
    let stopping: Promise<void> | undefined;
    const outlet: Outlet = {
      inline: false,
      async deliver(batch, from, progress) {
        for (let i = from; i < batch.out.length; i++) {
          const message = batch.out[i];
          sent.push({
            batch: batch.batch,
            text: message && 'text' in message ? message.text : '',
            at: Date.now(),
          });
          // Telegram has the message; Redis stops before its record.
          if (!stopping) {
            stopping = redis?.stop('SIGTERM');
            await stopping;
          }
          await progress(i + 1);
        }
        return 'delivered';
      },
    };
    const replies = createReplyDelivery({
      outlets: { web: outlet, tg: outlet },
      queue,
      lock,
      store,
      logger: silentLogger,
    });
    await replies.work();
    const ref = (batch: number): BatchRef => ({ conversationId: 'tg:42', channel: 'tg', epoch: 'e1', batch });
    const save = (r: BatchRef, text: string) =>
      store.compareAndSet(batchKey(r), 0, JSON.stringify({ ...r, out: [{ type: 'text', text }] }), 3600);
    await save(ref(1), 'Шаг 2 из 16. Введите номер мобильного телефона');
    const job = (r: BatchRef): Job => ({
      data: { ...r },
      retries: 0,
      lastAttempt: false,
      deadline: Date.now() + 36_000,
    });

    const first = handler?.(job(ref(1))).then(
      () => 'done',
      (error) => `threw: ${String(error)}`,
    );
    while (!stopping) await sleep(10);
    await stopping;
    const stoppedAt = Date.now();
    await sleep(10_000);
    await redis.start();
    // Back: the customer's next message (answered 503 meanwhile) is redelivered and handled, its reply queued.
    for (;;) {
      try {
        await store.ping();
        break;
      } catch {
        await sleep(20);
      }
    }
    const backAt = Date.now();
    await save(ref(2), 'Придумайте пароль');
    const second = await handler?.(job(ref(2))).then(
      () => 'done',
      (error) => `threw: ${String(error)}`,
    );
    const firstOutcome = await first;
    const timeline = { first: firstOutcome, second, backAfterMs: backAt - stoppedAt };
    const shown = JSON.stringify({ ...timeline, sent: sent.map((s) => ({ ...s, at: s.at - stoppedAt })) });
    await closeRedis(client);
    expect(
      sent.map((s) => s.text),
      shown,
    ).toEqual(['Шаг 2 из 16. Введите номер мобильного телефона', 'Придумайте пароль']);
  }, 60_000);
});
