import type { Context } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';

const COOKIE = 'kabinet_session';
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * The web chat's session id, from an HttpOnly cookie signed with HMAC-SHA256; a missing, forged or malformed
 * cookie starts a new session. The id names the conversation, so it is 128 random bits.
 */
export async function chatSession(
  c: Context,
  secret: string,
  secure: boolean,
): Promise<{ id: string; isNew: boolean }> {
  // Over HTTPS the cookie is `__Host-` prefixed: the browser then refuses it unless it was set by this very
  // host, securely, for every path, so a sibling subdomain cannot plant a session of its choosing.
  const prefix = secure ? 'host' : undefined;
  const existing = await getSignedCookie(c, secret, COOKIE, prefix);
  if (typeof existing === 'string' && SESSION_ID.test(existing)) return { id: existing, isNew: false };
  const id = randomId();
  await setSignedCookie(c, COOKIE, id, secret, {
    prefix,
    httpOnly: true,
    secure,
    sameSite: 'Lax',
    path: '/',
    maxAge: 30 * 24 * 60 * 60,
  });
  return { id, isNew: true };
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
