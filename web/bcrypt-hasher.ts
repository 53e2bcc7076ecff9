import bcrypt from 'bcryptjs';
import type { PasswordHasher } from '../core/ports/password-hasher';

/** bcrypt work factor: ≈70 ms a hash on these machines; at least 10 (the floor). */
export const BCRYPT_COST = 10;

/**
 * bcrypt on the calling thread: for runtimes without worker threads (a Cloudflare Worker, where one hash holds its
 * isolate ≈70–100 ms) and for tests. Node hashes in a pool of threads instead (password-hasher.ts).
 */
export function createInlinePasswordHasher(cost = BCRYPT_COST): PasswordHasher {
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: (password, hash) => bcrypt.compare(password, hash),
  };
}
