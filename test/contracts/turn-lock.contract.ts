import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketLock, type TicketStore } from '../../db/state/ticket-lock';

export interface TicketStoreHarness {
  /** Two views of one store, as two processes sharing Redis would have. */
  stores: [TicketStore, TicketStore];
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
        await sleep(3);
      }
      await Promise.all(turns);
      expect(overlap).toBe(false);
      expect(entered).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('skips a holder that stopped renewing once its lease runs out, and tells the next one', async () => {
      const k = key();
      // A process that took the turn and died: its ticket is served and never renewed nor released.
      await harness.stores[0].take(k, 300);
      const started = Date.now();
      const next = await createTicketLock(harness.stores[1], { leaseMs: 300, claimMs: 200 }).acquire(k);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(next.tookOver).toBe(true);
      await next.release();
      const after = await createTicketLock(harness.stores[0]).acquire(k);
      expect(after.tookOver).toBe(false);
      await after.release();
    });

    it('ignores a late release by a holder that was already skipped', async () => {
      const k = key();
      const stalled = await harness.stores[0].take(k, 150);
      const second = await createTicketLock(harness.stores[1], { leaseMs: 5000 }).acquire(k);
      const third = createTicketLock(harness.stores[1]).acquire(k);
      // The stalled holder wakes up and lets go of a turn that is no longer its own.
      expect(await harness.stores[0].advance(k, stalled.ticket, 2000, false)).toBe(false);
      const raced = await Promise.race([third.then(() => 'third got in'), sleep(100).then(() => 'held')]);
      expect(raced).toBe('held');
      await second.release();
      await (await third).release();
    });

    it('runs many conversations in parallel', async () => {
      const [a] = locks();
      const leases = await Promise.all(Array.from({ length: 20 }, () => a.acquire(key())));
      expect(leases.every((l) => !l.tookOver)).toBe(true);
      await Promise.all(leases.map((l) => l.release()));
    });
  });
}
