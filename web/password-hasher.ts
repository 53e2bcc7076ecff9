import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { PasswordHasher } from '../core/ports/password-hasher';
import { BCRYPT_COST } from './bcrypt-hasher';

/**
 * bcrypt in a pool of worker threads (one per core, at a lower scheduling priority), so other chats keep
 * answering while passwords hash; BENCHMARKS.md measures the alternatives.
 */
export function createWorkerPasswordHasher(options: { cost?: number; threads?: number } = {}) {
  const cost = options.cost ?? BCRYPT_COST;
  const pool = new Piscina({
    filename: new URL('./password-worker.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: options.threads ?? availableParallelism(),
    idleTimeout: 60_000,
    // A flood of password messages waits at most this deep; past it a step fails and the customer is asked to
    // try again, instead of memory and latency growing without bound.
    maxQueue: 1000,
  });
  const hasher: PasswordHasher & { close(): Promise<void> } = {
    hash: (password) => pool.run({ op: 'hash', password, cost }),
    verify: (password, hash) => pool.run({ op: 'verify', password, hash }),
    close: () => pool.destroy(),
  };
  return hasher;
}
