import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Engine } from '../../core/engine';
import { createTranslations, pageLocale } from '../../core/i18n';
import type { InboundBody } from '../../core/messages';
import { IMAGE_LIMITS } from '../../core/ports/images';
import type { RateLimiter } from '../../core/ports/rate-limiter';
import type { StateStore } from '../../core/ports/state-store';
import type { InsurerPreset } from '../../core/presets';
import { clientNetwork } from '../client-network';
import type { ChatInbox } from './inbox';
import { chatPage, chatScript, chatStyle } from './page';
import { type ChatSession, createChatSessions } from './session';
import { readUpload } from './upload';
import { widgetScript } from './widget';

export interface ChatDeps {
  engine: Engine;
  inbox: ChatInbox;
  /**
   * Budgets per client address: messages (a flood), and new conversations (a script rotating cookies to get
   * fresh per-conversation budgets, e.g. for codes).
   */
  limits: { messages: RateLimiter; newConversations: RateLimiter; updates: RateLimiter };
  /** The client's address, or null when the runtime cannot tell. */
  clientAddress(c: Context): string | null;
  /** Where rotated and revoked session tokens are kept. */
  store: StateStore;
  /** Signs the session cookie. */
  sessionSecret: string;
  /** Send the cookie only over HTTPS (when PUBLIC_URL is https). */
  secureCookies: boolean;
  /** A preview of one of the account's own identity pictures, or null for any other file. */
  preview(account: string, fileId: string): Promise<Uint8Array | null>;
  /** The insurer: its name, languages and brand frame the page. */
  preset: Pick<InsurerPreset, 'name' | 'languages' | 'brand'>;
  /** Sites that may frame the chat (WEB_CHAT_EMBED_ORIGINS); none: no site may. */
  embedOrigins?: readonly string[];
  /** Aborted when the instance stops: pages waiting for updates are answered at once, to ask another instance. */
  stopping?: AbortSignal;
}

/** Longest a page's request for updates waits for one (long polling). Seconds. */
const UPDATES_WAIT_MAX = 25;
/**
 * How often a waiting request looks again, for messages another instance added (this instance's wake it at once).
 * Milliseconds; a page polled as often before it waited.
 */
const UPDATES_RECHECK_MS = 3000;
/** Requests that may wait at once: per conversation (a page and a reload), and on this instance in all. */
const WAITERS_PER_CONVERSATION = 2;
const WAITERS_PER_INSTANCE = 5000;

/** Largest picture the page may upload (Telegram's limit too). Bytes. */
const UPLOAD_LIMIT = IMAGE_LIMITS.maxBytes;
/** Uploads one instance takes at once: each may hold up to UPLOAD_LIMIT in memory until it is answered. */
const UPLOADS_AT_ONCE = 8;
/** An upload still arriving after this is dropped: a slow drip does not keep a slot. Milliseconds. */
const UPLOAD_READ_MS = 60_000;

/** What the page may post; anything else is a 400 with the reason. */
export const postedMessage = z.object({
  /** The page's id for this message: a retried POST is handled once. */
  id: z.string().regex(/^[\w-]{1,64}$/),
  body: z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string().max(4000) }),
    z.object({ type: z.literal('choice'), value: z.string().max(200), nonce: z.string().max(32).optional() }),
    z.object({ type: z.literal('open') }),
  ]),
  locale: z.string().max(35).optional(),
});

/** Spends one unit of `key`'s budget, or refuses the request with 429 and when to come back. */
async function admit(limiter: RateLimiter, key: string) {
  const verdict = await limiter.consume(key);
  if (verdict.allowed) return;
  throw new HTTPException(429, {
    message: `Слишком много сообщений — попробуйте через ${verdict.retryAfterSeconds} с. / Too many messages: try again in ${verdict.retryAfterSeconds} s.`,
    res: new Response(null, { headers: { 'retry-after': String(verdict.retryAfterSeconds) } }),
  });
}

type ChatEnv = { Variables: { session: ChatSession } };
type ReaderEnv = { Variables: { session: ChatSession | null } };

export function createChatRoutes(deps: ChatDeps) {
  const { engine, inbox, limits } = deps;
  const sessions = createChatSessions({
    store: deps.store,
    secret: deps.sessionSecret,
    secure: deps.secureCookies,
    framed: (deps.embedOrigins ?? []).length > 0,
  });
  const { brand } = deps.preset;
  const translations = createTranslations();
  const style = chatStyle(brand);
  const widget = widgetScript({
    color: brand.color,
    languages: deps.preset.languages,
    translations,
    insurer: deps.preset.name,
  });
  const stopping = deps.stopping ?? new AbortController().signal;
  const app = new Hono<ChatEnv>();
  const reading = new Hono<ReaderEnv>();
  let uploadsInFlight = 0;
  const uploading = new Set<string>();
  // Only the chat's own routes carry the session: mounted at '/', a bare `use` would also run (and set a
  // cookie) on every other route of the app, the Telegram webhook included.
  const withSession: MiddlewareHandler<ChatEnv> = async (c, next) => {
    c.set('session', await sessions.read(c));
    await next();
  };
  // The chat's API answers the chat's own page only: a browser says where a request comes from (Fetch Metadata),
  // and another site's page, the insurer's included, has no business calling it, only framing the page.
  const ownPageOnly: MiddlewareHandler = async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site')
      throw new HTTPException(403, { message: 'the chat answers its own page only' });
    await next();
  };
  for (const path of ['/chat/messages', '/chat/upload', '/chat/updates', '/chat/files/*'])
    app.use(path, ownPageOnly);
  app.use('/', withSession);
  app.use('/chat/messages', withSession);
  app.use('/chat/upload', withSession);
  // Reading needs a chat but never starts one: see `peek`.
  const withChatIfAny: MiddlewareHandler<ReaderEnv> = async (c, next) => {
    c.set('session', await sessions.peek(c));
    await next();
  };
  reading.use('/chat/updates', withChatIfAny);
  reading.use('/chat/files/*', withChatIfAny);
  /** Waiting requests per conversation, on this instance. */
  const waiters = new Map<string, number>();
  let waiting = 0;

  // The frame speaks the language asked for (`?lang=`), else the browser's first the insurer offers, else its own.
  app.get('/', (c) => {
    const { languages, name } = deps.preset;
    const locale = pageLocale(c.req.query('lang'), c.req.header('accept-language'), languages);
    return c.html(chatPage({ locale, languages, insurer: name[locale], t: translations(locale) }));
  });
  app.get('/chat/app.js', (c) =>
    c.body(chatScript, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/chat/app.css', (c) => c.body(style, 200, { 'content-type': 'text/css; charset=utf-8' }));
  // The insurer's mark: in the header, as the tab's icon (where browsers look for one), on the widget's launcher.
  const logo = (c: Context) =>
    c.body(brand.logo, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' });
  app.get('/chat/logo.svg', logo);
  app.get('/favicon.ico', logo);
  // Loaded by other sites' pages (the insurer's): it holds nothing but the launcher.
  app.get('/chat/widget.js', (c) =>
    c.body(widget, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );

  /** Runs one message of this session's conversation and answers with the replies it produced. */
  async function answer(c: Context<ChatEnv>, id: string, body: InboundBody, client: string, locale?: string) {
    const session = c.get('session');
    const handled = await engine.handle({
      ...body,
      conversationId: session.conversationId,
      channel: 'web',
      eventId: id,
      messageId: id,
      localeHint: locale,
      client,
    });
    // No session fixation: the token that was in the browser before the sign-in does not carry it.
    if (handled.signedIn) await sessions.rotate(c, session);
    // The replies are in the inbox by now (the web outlet writes it within the turn).
    const { messages, life } =
      handled.batch === null
        ? { messages: [], life: null }
        : await inbox.ofBatch(session.conversationId, handled.batch);
    // The page blanks its copy of a message that held a secret.
    const hidden = handled.out.some((r) => r.type === 'delete-message' && r.messageId === id);
    // `inbox` names the numbering `seq` belongs to: a new one (a restart lost the state) starts again at 1.
    return c.json({ messages, hidden, inbox: life });
  }

  /** Spends the client's message budget (and a new conversation's, on its first message); returns the client. */
  async function admitMessage(c: Context<ChatEnv>): Promise<string> {
    const address = clientNetwork(deps.clientAddress(c) ?? 'unknown');
    await admit(limits.messages, address);
    // A conversation starts costing state with its first message, not with the page's cookie.
    if (c.get('session').isNew) await admit(limits.newConversations, address);
    return address;
  }

  app.post('/chat/messages', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    // JSON only: a cross-site form cannot send it without a CORS preflight, which this app never grants.
    if (!c.req.header('content-type')?.startsWith('application/json')) {
      throw new HTTPException(415, { message: 'expected application/json' });
    }
    const client = await admitMessage(c);
    const parsed = postedMessage.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw new HTTPException(400, { message: z.prettifyError(parsed.error) });
    const { id, body, locale } = parsed.data;
    return answer(c, id, body as InboundBody, client, locale);
  });

  app.post('/chat/upload', async (c) => {
    // A cross-site form can post multipart, but not with a custom header (that takes a CORS preflight, never
    // granted): the header proves the page itself is sending.
    if (c.req.header('x-kabinet-upload') !== '1') {
      throw new HTTPException(403, { message: 'uploads come from the chat page' });
    }
    const client = await admitMessage(c);
    // Pictures are asked for only of a signed-in customer: nobody else gets 20 MB held on their behalf.
    if (!(await engine.accountOf(c.get('session').conversationId))) {
      throw new HTTPException(403, {
        message: 'Сначала войдите в кабинет. / Please sign in first.',
      });
    }
    if (uploadsInFlight >= UPLOADS_AT_ONCE) {
      throw new HTTPException(503, {
        message:
          'Сервер занят загрузками — повторите через несколько секунд. / Busy with uploads: try again in a few seconds.',
        res: new Response(null, { headers: { 'retry-after': '5' } }),
      });
    }
    // One picture at a time per chat, so one customer cannot hold every slot.
    const conversationId = c.get('session').conversationId;
    if (uploading.has(conversationId)) {
      throw new HTTPException(429, {
        message:
          'Дождитесь, пока загрузится предыдущий снимок. / Please wait for the previous picture to finish.',
        res: new Response(null, { headers: { 'retry-after': '2' } }),
      });
    }
    // A slot is held until the picture is answered: its bytes live that long.
    uploadsInFlight++;
    uploading.add(conversationId);
    try {
      return await receive(c, client);
    } finally {
      uploadsInFlight--;
      uploading.delete(conversationId);
    }
  });

  async function receive(c: Context<ChatEnv>, client: string) {
    const posted = await readUpload(c.req.raw, UPLOAD_LIMIT, UPLOAD_READ_MS);
    if (!posted.ok) {
      if (posted.error === 'too_large') {
        const mb = UPLOAD_LIMIT / 1024 / 1024;
        throw new HTTPException(413, {
          message: `Файл больше ${mb} МБ — пришлите снимок поменьше. / The file is over ${mb} MB: please send a smaller picture.`,
        });
      }
      if (posted.error === 'not_multipart')
        throw new HTTPException(415, { message: 'expected multipart/form-data' });
      throw new HTTPException(400, { message: `expected one file and its message id (${posted.error})` });
    }
    const { id, name, mime, bytes } = posted.value;
    const body: InboundBody = { type: 'file', name, mime, size: bytes.byteLength, fetch: async () => bytes };
    return answer(c, id, body, client, c.req.header('accept-language'));
  }

  // The customer's own pictures, as previews in the summary: only those of the account signed in here.
  reading.get('/chat/files/:id', async (c) => {
    const session = c.get('session');
    const account = session && (await engine.accountOf(session.conversationId));
    const bytes = account ? await deps.preview(account, c.req.param('id')) : null;
    if (!bytes) return c.json({ error: 'not_found', message: 'No such picture' }, 404);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'image/jpeg',
      'cache-control': 'private, no-store',
    });
  });

  // What the page has not seen yet. With `wait`, the answer waits (up to 25 s) until there is something: the
  // page's long polling. `life` is the inbox life the page counts in: another one is news at once.
  reading.get('/chat/updates', async (c) => {
    const after = Number(c.req.query('after') ?? 0);
    const wait = Number(c.req.query('wait') ?? 0);
    if (!Number.isSafeInteger(after) || after < 0)
      throw new HTTPException(400, { message: 'after: expected a number' });
    if (!Number.isSafeInteger(wait) || wait < 0 || wait > UPDATES_WAIT_MAX)
      throw new HTTPException(400, { message: `wait: expected seconds from 0 to ${UPDATES_WAIT_MAX}` });
    const known = c.req.query('life');
    await admit(limits.updates, clientNetwork(deps.clientAddress(c) ?? 'unknown'));
    const session = c.get('session');
    // `fresh`: the request came without a chat (a framed page whose browser refuses the cookie).
    if (!session) return c.json({ messages: [], inbox: null, fresh: true });
    const { conversationId } = session;
    // Past the caps a request is answered at once, as without `wait`: nobody holds many requests open.
    const held = waiters.get(conversationId) ?? 0;
    const mayWait = held < WAITERS_PER_CONVERSATION && waiting < WAITERS_PER_INSTANCE;
    const deadline = Date.now() + (mayWait ? wait * 1000 : 0);
    waiters.set(conversationId, held + 1);
    waiting++;
    try {
      const ended = [c.req.raw.signal, stopping];
      for (;;) {
        const { messages, life } = await inbox.since(conversationId, after);
        const news = messages.length > 0 || (known !== undefined && life !== null && life !== known);
        const left = deadline - Date.now();
        if (news || left <= 0 || ended.some((s) => s.aborted))
          return c.json({ messages, inbox: life, fresh: false });
        await inbox.changed(conversationId, Math.min(left, UPDATES_RECHECK_MS), ended);
      }
    } finally {
      waiting--;
      const left = (waiters.get(conversationId) ?? 1) - 1;
      if (left > 0) waiters.set(conversationId, left);
      else waiters.delete(conversationId);
    }
  });

  app.route('/', reading);
  return app;
}
