import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketLock, type TicketStore } from '../../db/state/ticket-lock';

export interface TicketStoreHarness {
  /** Two views of one store, as two processes sharing Redis would have. */
  stores: [TicketStore, TicketStore];
  /**
   * How far apart two calls must be made to reach the store in the order made (3 ms by default). A Worker's every
   * request connects to Redis anew, which takes 10–40 ms, so its calls made 3 ms apart may arrive swapped.
   */
  arrivalSpacingMs?: number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One behaviour, two implementations: the turn lock over every TicketStore passes this. */
export function turnLockContract(name: string, open: () => Promise<TicketStoreHarness>) {
  describe(`TurnLock contract: ${name}`, () => {
    let harness: TicketStoreHarness;
    let n = 0;
    const key = () => `conversation-${++n}-${Math.random().toString(36).slice(2)}`;
    const locks = (options = {}) =>
      [createTicketLock(harness.stores[0], options), createTicketLock(harness.stores[1], options)] as const;

    beforeAll(async () => {
      harness = await open();
    });
    afterAll(async () => harness?.close());

    it('gives a lone caller the turn at once', async () => {
      const [lock] = locks();
      const lease = await lock.acquire(key());
      expect(lease.tookOver).toBe(false);
      await lease.release();
    });

    it('lets callers of two instances in one at a time, in the order they arrived', async () => {
      const [a, b] = locks();
      const k = key();
      const entered: number[] = [];
      let inside = 0;
      let overlap = false;
      const turn = async (i: number) => {
        const lease = await (i % 2 === 0 ? a : b).acquire(k);
        inside++;
        if (inside > 1) overlap = true;
        entered.push(i);
        await sleep(i === 0 ? 30 : 2);
        inside--;
        await lease.release();
      };
      const turns: Promise<void>[] = [];
      for (let i = 0; i < 8; i++) {
        turns.push(turn(i));
        await sleep(harness.arrivalSpacingMs ?? 3);
      }
      await Promise.all(turns);
      expect(overlap).toBe(false);
      expect(entered).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    const timing = { leaseMs: 300, claimMs: 200, holdBackMs: 15, busyMs: 300 };

    it('skips a holder that stopped renewing once its lease runs out, and tells the next one', async () => {
      const k = key();
      // A process that took the turn and died: its ticket holds the turn and is never renewed nor released.
      expect((await harness.stores[0].take(k, null, timing)).claimed).not.toBeNull();
      const started = Date.now();
      const next = await createTicketLock(harness.stores[1], timing).acquire(k);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(next.tookOver).toBe(true);
      await next.release();
      const after = await createTicketLock(harness.stores[0]).acquire(k);
      expect(after.tookOver).toBe(false);
      await after.release();
    });

    it('ignores a late release by a holder that was already skipped, and tells it the turn is lost', async () => {
      const k = key();
      const stalled = await harness.stores[0].take(k, null, timing);
      const second = await createTicketLock(harness.stores[1], { ...timing, leaseMs: 5000 }).acquire(k);
      const third = createTicketLock(harness.stores[1]).acquire(k);
      // The stalled holder wakes up: its turn is gone, and letting go of it must not let `third` in.
      expect(await harness.stores[0].renew(k, stalled.ticket, 300)).toBe(false);
      await harness.stores[0].release(k, stalled.ticket);
      const raced = await Promise.race([third.then(() => 'third got in'), sleep(100).then(() => 'held')]);
      expect(raced).toBe('held');
      await second.release();
      await (await third).release();
    });

    it('passes over a waiter that stopped looking, and the ones behind it get their turn', async () => {
      const k = key();
      const [a] = locks(timing);
      const holder = await a.acquire(k);
      await harness.stores[0].take(k, null, timing); // a waiter that died before its turn
      const behind = a.acquire(k);
      await sleep(250); // past the dead waiter's claim window
      await holder.release();
      const lease = await Promise.race([behind, sleep(2000).then(() => null)]);
      expect(lease).not.toBeNull();
      await lease?.release();
    });

    it('admits waiting callers by the channel’s order, whatever order they arrived in', async () => {
      const k = key();
      const [a, b] = locks(timing);
      const holder = await a.acquire(k, 100);
      const entered: number[] = [];
      const waiters = [130, 110, 120].map(async (order, i) => {
        await sleep(i * 3);
        const lease = await (i % 2 ? a : b).acquire(k, order);
        entered.push(order);
        await lease.release();
      });
      await sleep(30);
      await holder.release();
      await Promise.all(waiters);
      expect(entered).toEqual([110, 120, 130]);
    });

    it('on a busy conversation, holds a free turn briefly for an earlier update still on its way', async () => {
      const k = key();
      const [a, b] = locks(timing);
      await (await a.acquire(k, 1)).release(); // the conversation was just active
      const entered: number[] = [];
      const later = a.acquire(k, 3).then(async (lease) => {
        entered.push(3);
        await lease.release();
      });
      await sleep(4); // update 2 reaches the other instance a little after update 3
      const earlier = b.acquire(k, 2).then(async (lease) => {
        entered.push(2);
        await lease.release();
      });
      await Promise.all([later, earlier]);
      expect(entered).toEqual([2, 3]);
    });

    it('runs many conversations in parallel', async () => {
      const [a] = locks();
      const leases = await Promise.all(Array.from({ length: 20 }, () => a.acquire(key())));
      expect(leases.every((l) => !l.tookOver)).toBe(true);
      await Promise.all(leases.map((l) => l.release()));
    });
  });
}
