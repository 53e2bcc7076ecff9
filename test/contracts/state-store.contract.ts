import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../core/ports/state-store';

export interface StateStoreHarness {
  store: StateStore;
  /** Lets time pass for TTL checks: a fake clock for the memory store, a real wait for Redis. */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** One behaviour, two implementations: every StateStore passes this. */
export function stateStoreContract(name: string, open: () => Promise<StateStoreHarness>) {
  describe(`StateStore contract: ${name}`, () => {
    let harness: StateStoreHarness;
    let store: StateStore;
    let n = 0;
    const key = () => `k${++n}`;

    beforeEach(async () => {
      harness ??= await open();
      store = harness.store;
    });
    afterAll(async () => harness?.close());

    it('reports an absent key as null', async () => {
      expect(await store.get(key())).toBeNull();
    });

    it('creates a key only when the caller expected it absent (version 0)', async () => {
      const k = key();
      expect(await store.compareAndSet(k, 1, 'x', 60)).toBeNull();
      expect(await store.compareAndSet(k, 0, 'first', 60)).toBe(1);
      expect(await store.get(k)).toEqual({ value: 'first', version: 1 });
    });

    it('lets exactly one of two writers holding the same version win', async () => {
      const k = key();
      await store.compareAndSet(k, 0, 'base', 60);
      const results = await Promise.all([
        store.compareAndSet(k, 1, 'a', 60),
        store.compareAndSet(k, 1, 'b', 60),
      ]);
      expect(results.filter((r) => r === 2)).toHaveLength(1);
      expect(results.filter((r) => r === null)).toHaveLength(1);
      const winner = results[0] === 2 ? 'a' : 'b';
      expect(await store.get(k)).toEqual({ value: winner, version: 2 });
    });

    it('writes a companion key together with a winning compare-and-set, and not with a losing one', async () => {
      const k = key();
      const side = key();
      const also = (value: string, ttlSeconds = 60) => ({ key: side, value, ttlSeconds });
      expect(await store.compareAndSet(k, 0, 'state-1', 60, also('replies-1'))).toBe(1);
      expect(await store.compareAndSet(k, 0, 'state-x', 60, also('replies-x'))).toBeNull();
      expect((await store.get(side))?.value).toBe('replies-1');
      expect(await store.compareAndSet(k, 1, 'state-2', 60, also('replies-2', 1))).toBe(2);
      expect(await store.get(side)).toEqual({ value: 'replies-2', version: 2 });
      await harness.advance(1.5);
      expect(await store.get(side)).toBeNull(); // its own TTL
      expect((await store.get(k))?.value).toBe('state-2');
    });

    it('keeps values of any content intact, including unicode and JSON', async () => {
      const k = key();
      const value = JSON.stringify({ text: 'Здравствуйте «мир» 👋', n: [1, 2] });
      await store.compareAndSet(k, 0, value, 60);
      expect((await store.get(k))?.value).toBe(value);
    });

    it('forgets a key after its TTL, and a write renews the TTL', async () => {
      const k = key();
      await store.compareAndSet(k, 0, 'v1', 2);
      await harness.advance(1.2);
      expect(await store.compareAndSet(k, 1, 'v2', 2)).toBe(2);
      await harness.advance(1.2);
      expect((await store.get(k))?.value).toBe('v2');
      await harness.advance(1.5);
      expect(await store.get(k)).toBeNull();
      expect(await store.compareAndSet(k, 0, 'again', 2)).toBe(1);
    });

    it('sets a key only if absent, once among concurrent callers', async () => {
      const k = key();
      const results = await Promise.all([1, 2, 3, 4].map((i) => store.setIfAbsent(k, `v${i}`, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.setIfAbsent(k, 'late', 60)).toBe(false);
    });

    it('lets a set-if-absent key expire', async () => {
      const k = key();
      expect(await store.setIfAbsent(k, 'v', 1)).toBe(true);
      await harness.advance(1.5);
      expect(await store.setIfAbsent(k, 'v', 1)).toBe(true);
    });

    it('deletes a key', async () => {
      const k = key();
      await store.compareAndSet(k, 0, 'v', 60);
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
    });

    it('lists the live keys that start with a prefix, glob characters taken literally', async () => {
      const prefix = `sweep${++n}:a*[b]?`;
      await store.compareAndSet(`${prefix}:one`, 0, 'v', 60);
      await store.compareAndSet(`${prefix}:two`, 0, 'v', 1);
      await store.setIfAbsent(`${prefix}`, 'v', 60);
      await store.compareAndSet(`sweep${n}:aX[b]?:other`, 0, 'v', 60);
      await store.compareAndSet(`other:${prefix}`, 0, 'v', 60);
      expect((await store.keys(prefix)).sort()).toEqual([prefix, `${prefix}:one`, `${prefix}:two`]);
      await harness.advance(1.5);
      await store.delete(`${prefix}:one`);
      expect(await store.keys(prefix)).toEqual([prefix]);
      expect(await store.keys(`nothing${n}:`)).toEqual([]);
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
