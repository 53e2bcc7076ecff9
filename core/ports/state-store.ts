/**
 * Short-lived keyed state: conversations, de-duplication marks, rate-limit counters.
 * Production: Redis. Embedded: in-process. Both pass `test/contracts/state-store.contract.ts`.
 */
export interface StateStore {
  /** The value stored under `key` and its version (≥ 1), or null when absent or expired. */
  get(key: string): Promise<Versioned | null>;
  /**
   * Writes `value` only if the stored version is still `expectedVersion` (0 = the key is absent).
   * Returns the new version, or null when another writer got there first. TTL in seconds, renewed on write.
   * `also` is written in the same atomic step, only if the compare-and-set succeeds, with its own TTL (seconds):
   * a turn's replies are saved together with the state that produced them, or neither is.
   */
  compareAndSet(
    key: string,
    expectedVersion: number,
    value: string,
    ttlSeconds: number,
    also?: { key: string; value: string; ttlSeconds: number },
  ): Promise<number | null>;
  /** Stores `value` only if `key` is absent; true when this call stored it. TTL in seconds. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Every live key starting with `prefix` (matched literally), each once, in no order: for an operator's sweep
   * (a customer's data erased), never on a customer's turn. Walks the whole keyspace in small steps (Redis SCAN),
   * so it costs time in proportion to every key held, not one blocking command.
   */
  keys(prefix: string): Promise<string[]>;
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping(): Promise<void>;
}

export interface Versioned {
  value: string;
  version: number;
}
