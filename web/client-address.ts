import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * Who is calling, for per-client budgets. Behind `trustedProxies` proxies (TRUST_PROXY) the address the outermost
 * of them saw: X-Forwarded-For's entry that many from the right, since each proxy appends the address it was
 * called from and a client can write anything before that (the first entry is the client's to choose). Without a
 * proxy, the socket's peer.
 */
export function clientAddress(c: Context, trustedProxies: number): string | null {
  if (trustedProxies > 0) {
    const chain = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim());
    const seen = chain.at(-trustedProxies);
    if (seen) return seen;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // not on @hono/node-server (in-process requests in tests)
  }
}
