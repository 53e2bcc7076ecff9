import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

/** The client's address, as a Worker forwarding a request to Node vouches for it. */
const CLIENT = 'x-kabinet-client';
const PROOF = 'x-kabinet-client-proof';

const proofOf = (key: Uint8Array, address: string) =>
  createHmac('sha256', key).update(address).digest('base64url');

/**
 * Headers a Worker adds to what it forwards: the client's address (Cloudflare's `cf-connecting-ip`) and an HMAC of
 * it under a key both sides derive from DATA_KEY. Whatever the client sent under these names is dropped first.
 */
export function vouchForClient(headers: Headers, key: Uint8Array, address: string | null): void {
  headers.delete(CLIENT);
  headers.delete(PROOF);
  if (!address) return;
  headers.set(CLIENT, address);
  headers.set(PROOF, proofOf(key, address));
}

/**
 * The address a Worker vouched for, or null: Node counts per-client budgets by it, so the customers whose requests
 * a Worker forwards are not all charged to the Worker's own address, and nobody else can name an address.
 */
export function vouchedClient(c: Context, key: Uint8Array): string | null {
  const address = c.req.header(CLIENT);
  const proof = c.req.header(PROOF);
  if (!address || !proof) return null;
  const expected = Buffer.from(proofOf(key, address));
  const given = Buffer.from(proof);
  return given.length === expected.length && timingSafeEqual(given, expected) ? address : null;
}
