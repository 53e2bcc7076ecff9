import type { StateStore } from './ports/state-store';

const ATTEMPTS = 8;

/** Thrown when a key kept changing between our read and our write, attempt after attempt. */
export class KeepsChangingError extends Error {
  override name = 'KeepsChangingError';
  constructor(readonly key: string) {
    super(`${key} kept changing under us`);
  }
}

/**
 * Read-modify-write of one key with compare-and-set: `change` gets the current value (undefined when absent)
 * and returns the new one with its TTL (seconds), or null to leave it as it is. Retried on fresh values while
 * other writers win; the one loop every read-modify-write of a small record goes through (the engine's turn has
 * its own, as it re-runs a step). Resolves with whether it wrote.
 */
export async function retryCompareAndSet(
  store: StateStore,
  key: string,
  change: (current: string | undefined) => { value: string; ttlSeconds: number } | null,
): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const stored = await store.get(key);
    const next = change(stored?.value);
    if (next === null) return false;
    const saved = await store.compareAndSet(key, stored?.version ?? 0, next.value, next.ttlSeconds);
    if (saved !== null) return true;
  }
  throw new KeepsChangingError(key);
}
