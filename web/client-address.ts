import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * Who is calling, for per-client budgets. Behind a proxy (TRUST_PROXY=1) the first X-Forwarded-For address;
 * otherwise the socket's peer. Trusting the header without a proxy would let any client name itself.
 */
export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // not on @hono/node-server (in-process requests in tests)
  }
}
