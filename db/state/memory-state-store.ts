import type { StateStore, Versioned } from '../../core/ports/state-store';

interface Entry {
  value: string;
  version: number;
  /** Epoch milliseconds after which the entry is gone. */
  expiresAt: number;
}

/**
 * The in-process twin of the Redis store, for one process without setup: same TTL, version and NX
 * semantics, lost on restart. Expired entries are dropped when touched and by a sweep every `sweepEvery` writes;
 * past `maxEntries` the least recently written go first, so a flood of new chats cannot exhaust memory.
 */
export function createMemoryStateStore(
  options: { now?: () => number; sweepEvery?: number; maxEntries?: number } = {},
): StateStore {
  const now = options.now ?? Date.now;
  const sweepEvery = options.sweepEvery ?? 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  let writes = 0;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const write = (key: string, value: string, version: number, ttlSeconds: number) => {
    entries.delete(key); // re-inserted last: Map order is then write order
    entries.set(key, { value, version, expiresAt: now() + ttlSeconds * 1000 });
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
    }
    if (++writes % sweepEvery === 0) for (const k of entries.keys()) live(k);
  };

  return {
    async get(key): Promise<Versioned | null> {
      const entry = live(key);
      return entry ? { value: entry.value, version: entry.version } : null;
    },
    async compareAndSet(key, expectedVersion, value, ttlSeconds, also) {
      const current = live(key)?.version ?? 0;
      if (current !== expectedVersion) return null;
      write(key, value, current + 1, ttlSeconds);
      if (also) write(also.key, also.value, (live(also.key)?.version ?? 0) + 1, also.ttlSeconds);
      return current + 1;
    },
    async setIfAbsent(key, value, ttlSeconds) {
      if (live(key)) return false;
      write(key, value, 1, ttlSeconds);
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
    async keys(prefix) {
      return [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key));
    },
    async ping() {},
  };
}
