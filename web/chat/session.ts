import type { Context } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';
import { base64url, digest } from '../../core/digest';
import type { StateStore } from '../../core/ports/state-store';

/** 128 random bits, then when the token was issued (seconds, base 36): a token outlives its cookie nowhere. */
const TOKEN = /^([A-Za-z0-9_-]{22})~([0-9a-z]{1,10})$/;
/** How long a browser keeps its chat. Seconds. */
const COOKIE_MAX_AGE = 30 * 24 * 60 * 60;

/** A browser's chat: the token its cookie carries, and the conversation the token opens. */
export interface ChatSession {
  token: string;
  conversationId: string;
  isNew: boolean;
}

/** What the store says about a token; nothing stored means it opens `web:<hash of token>`. */
type TokenRecord = { conversationId: string } | { revoked: true };

export interface ChatSessionOptions {
  store: StateStore;
  /** Signs the cookie (HMAC-SHA256). */
  secret: string;
  /** Send the cookie only over HTTPS, `__Host-` prefixed. */
  secure: boolean;
  /**
   * The chat may be framed by other sites (the widget): there it is a third party, whose cookie a browser sends
   * only if it is `SameSite=None; Secure`, and keeps (with third-party cookies blocked) only if `Partitioned`, one
   * per embedding site (CHIPS).
   */
  framed?: boolean;
}

/**
 * The web chat's session: 128 random bits and their issue time in an HttpOnly cookie signed with HMAC-SHA256. The conversation is
 * named by a hash of the token, so logs and jobs never hold a bearer. When an account attaches, the token is
 * rotated: a new token opens the same conversation and the old one opens nothing any more, so a token planted in
 * the browser beforehand (session fixation) is worthless once the customer signs in. A missing, forged, malformed
 * or revoked cookie starts a new chat.
 */
export function createChatSessions({ store, secret, secure, framed = false }: ChatSessionOptions) {
  // Over HTTPS the cookie is `__Host-` prefixed: the browser then refuses it unless it was set by this very
  // host, securely, for every path, so a sibling subdomain cannot plant a session of its choosing.
  const prefix = secure ? 'host' : undefined;
  // A framed chat's cookie has its own name: a browser keeps a partitioned and an unpartitioned cookie of one name
  // side by side and sends both, oldest first, so after embedding is switched on (or off) a returning customer's
  // old cookie would shadow every new one, a sign-in's rotated token included. Switching starts new chats instead.
  const COOKIE = framed ? 'kabinet_chat' : 'kabinet_session';
  /** A token's name (its hash): its record is `websession:<name>`, and unless rotated it opens `web:<name>`. */
  const nameOf = (token: string) => digest(token, 22);

  async function issue(c: Context, conversationId: string | null): Promise<ChatSession> {
    const token = `${randomToken()}~${Math.floor(Date.now() / 1000).toString(36)}`;
    await setSignedCookie(c, COOKIE, token, secret, {
      prefix,
      httpOnly: true,
      // Cross-site requests cannot post to the chat anyway: JSON and a custom header need a CORS preflight, never
      // granted. `Lax` adds a second lock where no site frames the chat.
      ...(framed ? { secure: true, sameSite: 'None', partitioned: true } : { secure, sameSite: 'Lax' }),
      path: '/',
      maxAge: COOKIE_MAX_AGE,
    });
    const name = await nameOf(token);
    if (!conversationId) return { token, conversationId: `web:${name}`, isNew: true };
    const record: TokenRecord = { conversationId };
    await store.compareAndSet(`websession:${name}`, 0, JSON.stringify(record), COOKIE_MAX_AGE);
    return { token, conversationId, isNew: false };
  }

  /** The chat the request's cookie opens, or null (none, forged, malformed, too old or revoked). */
  async function opened(c: Context): Promise<ChatSession | null> {
    const token = await getSignedCookie(c, secret, COOKIE, prefix);
    const issuedAt = typeof token === 'string' ? Number.parseInt(TOKEN.exec(token)?.[2] ?? '', 36) * 1000 : 0;
    // Refused once older than the cookie's life: a revoked token's mark lives that long after its revocation,
    // so a token revoked at sign-in can never open its conversation again, however long that one lives on.
    const age = Date.now() - issuedAt;
    if (typeof token !== 'string' || !(age >= -60_000 && age <= COOKIE_MAX_AGE * 1000)) return null;
    // Only rotated and revoked tokens are stored: a new chat costs no write until it signs in.
    const name = await nameOf(token);
    const stored = await store.get(`websession:${name}`);
    if (!stored) return { token, conversationId: `web:${name}`, isNew: false };
    const record = JSON.parse(stored.value) as TokenRecord;
    if ('revoked' in record) return null;
    return { token, conversationId: record.conversationId, isNew: false };
  }

  return {
    /** The request's chat, or a new one (its cookie set on the response). */
    read: async (c: Context): Promise<ChatSession> => (await opened(c)) ?? issue(c, null),

    /**
     * The request's chat, or null; never sets a cookie. For requests that only read (updates, pictures): one still
     * in flight with the token a sign-in just rotated must not answer with a new chat's cookie, which would
     * replace the rotated one in the browser and lose the conversation.
     */
    peek: opened,

    /** Gives the browser a new token for the same conversation and revokes the old one. */
    async rotate(c: Context, session: ChatSession): Promise<void> {
      await issue(c, session.conversationId);
      const revoked: TokenRecord = { revoked: true };
      const key = `websession:${await nameOf(session.token)}`;
      const stored = await store.get(key);
      await store.compareAndSet(key, stored?.version ?? 0, JSON.stringify(revoked), COOKIE_MAX_AGE);
    },
  };
}

export type ChatSessions = ReturnType<typeof createChatSessions>;

const randomToken = () => base64url(crypto.getRandomValues(new Uint8Array(16)));
