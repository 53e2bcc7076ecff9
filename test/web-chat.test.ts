import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../core/engine';
import { flowsFor, homeFlow } from '../core/flows';
import { silentLogger } from '../core/logger';
import type { StateStore } from '../core/ports/state-store';
import { presets } from '../core/presets';
import { createReplyDelivery } from '../core/replies';
import type { Services } from '../core/services';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRateLimiter } from '../db/state/rate-limiter';
import { createMemoryTicketStore, createTicketLock } from '../db/state/ticket-lock';
import { createApp } from '../web/app';
import { type ChatMessage, createChatInbox, createWebOutlet } from '../web/chat/inbox';

let limiterNames = 0;
function createTestApp(
  options: {
    store?: StateStore;
    pingFails?: boolean;
    messagesPerMinute?: number;
    secure?: boolean;
    embedOrigins?: string[];
    updatesPerMinute?: number;
    stopping?: AbortSignal;
  } = {},
) {
  const store = options.store ?? createMemoryStateStore();
  const inbox = createChatInbox(store, 24 * 3600); // as long as a conversation's idle life, as in kabinet.ts
  const outlet = createWebOutlet(inbox);
  const queue = createMemoryJobQueue();
  const lock = createTicketLock(createMemoryTicketStore());
  const engine = createEngine({
    flows: flowsFor(presets.soglasie),
    home: homeFlow,
    store,
    lock,
    replies: createReplyDelivery({
      outlets: { web: outlet, tg: outlet },
      queue,
      lock,
      store,
      logger: silentLogger,
    }),
    // The menu touches no service; test/registration.test.ts runs the flows with real ones.
    services: {} as Services,
    preset: presets.soglasie,
    // Read at each call, so a test's faked clock ages conversations too.
    now: () => Date.now(),
  });
  const limiter = (name: string, points: number) =>
    createRateLimiter({ name: `${name}-${++limiterNames}`, points, durationSeconds: 60 });
  return createApp({
    engine,
    limits: {
      messages: limiter('messages', options.messagesPerMinute ?? 1000),
      newConversations: limiter('new', 3),
      updates: limiter('updates', options.updatesPerMinute ?? 1000),
    },
    // In-process requests have no socket: the tests name the client in a header.
    clientAddress: (c) => c.req.header('x-test-client') ?? null,
    inbox,
    store,
    sessionSecret: 'test-secret-test-secret-test-secret',
    preset: presets.soglasie,
    secureCookies: options.secure ?? false,
    embedOrigins: options.embedOrigins,
    stopping: options.stopping,
    preview: async () => null,
    dependencies: [
      { name: 'records', ping: async () => {} },
      {
        name: 'state',
        ping: async () => {
          if (options.pingFails) throw new Error('ECONNREFUSED');
        },
      },
    ],
    logger: silentLogger,
  });
}

interface Reply {
  messages: (ChatMessage & { text: string; nonce?: string })[];
  hidden?: boolean;
  message?: string;
}
const json = async (response: Response | Promise<Response>) => (await (await response).json()) as Reply;

/** A browser in miniature: keeps the cookie, posts JSON like the page does. */
function browser(app: ReturnType<typeof createApp>) {
  let cookie = '';
  let n = 0;
  const request = async (path: string, init: RequestInit = {}) => {
    const response = await app.request(path, { ...init, headers: { cookie, ...init.headers } });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0] ?? '';
    return response;
  };
  const post = (body: unknown, id = `m${++n}`) =>
    request('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, body }),
    });
  return { request, post, cookie: () => cookie, setCookie: (c: string) => (cookie = c) };
}

describe('web chat', () => {
  it('serves the chat page with a signed HttpOnly session cookie and a strict content policy', async () => {
    const response = await browser(createTestApp()).request('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<form id="composer"');
    expect(response.headers.get('set-cookie')).toMatch(/kabinet_session=[^;]+\.[^;]+;.*HttpOnly/);
    expect(response.headers.get('set-cookie')).toContain('SameSite=Lax');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('greets on open, answers a menu choice, and keeps the messages for the page to fetch again', async () => {
    const b = browser(createTestApp());
    const opened = await json(b.post({ type: 'open' }));
    expect(opened.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(opened.messages[0]?.text).toContain('Здравствуйте');
    const menu = opened.messages[1];
    const reply = await json(b.post({ type: 'choice', value: 'confirm_identity', nonce: menu?.nonce }));
    expect(reply.messages[0]?.text).toContain('сначала войдите в кабинет или зарегистрируйтесь');
    const history = await json(b.request('/chat/updates?after=2'));
    expect(history.messages.map((m) => m.seq)).toEqual([3]);
  });

  it('handles a retried POST once, answering the retry with the replies the first one got', async () => {
    const b = browser(createTestApp());
    await b.post({ type: 'open' });
    const first = await json(b.post({ type: 'text', text: 'Подтвердить личность' }, 'same-id'));
    const retry = await json(b.post({ type: 'text', text: 'Подтвердить личность' }, 'same-id'));
    expect(first.messages).toHaveLength(1);
    expect(retry.messages).toEqual(first.messages);
    expect((await json(b.request('/chat/updates?after=0'))).messages).toHaveLength(3);
  });

  it('starts a new conversation when the cookie is forged', async () => {
    const app = createTestApp();
    const b = browser(app);
    await b.post({ type: 'open' });
    const [value] = b.cookie().split('.');
    b.setCookie(`${value}.forgedsignature`);
    const response = await b.post({ type: 'open' });
    expect((await json(response)).messages[0]?.text).toContain('Здравствуйте');
    expect(response.headers.get('set-cookie')).not.toContain(value);
  });

  it('starts a new conversation when the cookie outlived its 30 days, whatever its signature', async () => {
    const b = browser(createTestApp());
    await b.post({ type: 'open' });
    const [value] = b.cookie().split('.');
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 31 * 24 * 60 * 60 * 1000);
      const response = await b.post({ type: 'open' });
      expect(response.headers.get('set-cookie')).toMatch(/^kabinet_session=/);
      expect(response.headers.get('set-cookie')).not.toContain(value);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses what the page would never send, saying why', async () => {
    const b = browser(createTestApp());
    const form = await b.request('/chat/messages', { method: 'POST', body: 'text=hi' });
    expect(form.status).toBe(415);
    const bad = await b.post({ type: 'teleport' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toContain('body.type');
    const huge = await b.post({ type: 'text', text: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect((await b.request('/chat/updates?after=-1')).status).toBe(400);
  });

  it('answers 503 with a message, not a stack trace, when the state store is down', async () => {
    const broken: StateStore = {
      ...createMemoryStateStore(),
      get: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    };
    const response = await browser(createTestApp({ store: broken })).post({ type: 'open' });
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body.message).toContain('отправьте его ещё раз');
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
  });

  describe('health', () => {
    let app: ReturnType<typeof createApp>;
    beforeAll(() => {
      app = createTestApp({ pingFails: true });
    });
    it('says the process is up on /healthz even when a dependency is down', async () => {
      expect((await app.request('/healthz')).status).toBe(200);
    });
    it('names the unreachable dependency on /readyz with 503', async () => {
      const response = await app.request('/readyz');
      expect(response.status).toBe(503);
      expect(await json(response)).toEqual({ status: 'not ready', records: 'ok', state: 'unreachable' });
      expect((await createTestApp().request('/readyz')).status).toBe(200);
    });
  });
});

describe('web chat session cookie over HTTPS', () => {
  it('is __Host- prefixed and Secure, and a cookie without the prefix is not taken for it', async () => {
    const app = createTestApp({ secure: true });
    const first = await app.request('https://kabinet.example.ru/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-kabinet_session=[^;]+;.*Secure/);
    const value = cookie.split(';')[0]?.split('=').slice(1).join('=');
    const planted = await app.request('https://kabinet.example.ru/', {
      headers: { cookie: `kabinet_session=${value}` },
    });
    expect(planted.headers.get('set-cookie')).toMatch(/^__Host-kabinet_session=/);
  });
});

describe('web chat session scope', () => {
  it('sets no session cookie on routes outside the chat', async () => {
    const app = createTestApp();
    for (const path of ['/healthz', '/readyz', '/chat/app.js']) {
      expect((await app.request(path)).headers.get('set-cookie'), path).toBeNull();
    }
  });

  it('reads no chat on routes outside it, so a store outage does not touch them', async () => {
    const store = createMemoryStateStore();
    const b = browser(createTestApp({ store }));
    await b.post({ type: 'open' });
    store.get = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    expect((await b.request('/nowhere')).status).toBe(404);
    expect((await b.request('/chat/updates?after=0')).status).toBe(503);
  });

  it('never starts a chat when only reading: a poll still carrying a revoked token leaves the cookie alone', async () => {
    const b = browser(createTestApp());
    const none = await b.request('/chat/updates?after=0');
    expect(none.headers.get('set-cookie')).toBeNull();
    expect(await none.json()).toEqual({ messages: [], inbox: null, fresh: true });
    await b.post({ type: 'open' });
    const held = await b.request('/chat/updates?after=0');
    expect(held.headers.get('set-cookie')).toBeNull();
    expect(((await held.json()) as { fresh: boolean }).fresh).toBe(false);
    // A forged (or revoked) token: nothing to read, and no new chat's cookie to replace the browser's own.
    const forged = await b.request('/chat/updates?after=0', {
      headers: { cookie: `${b.cookie().split('.')[0]}.forged` },
    });
    expect(forged.headers.get('set-cookie')).toBeNull();
    expect(await forged.json()).toEqual({ messages: [], inbox: null, fresh: true });
    expect((await b.request('/chat/files/some-id')).status).toBe(404);
  });
});

describe('web chat updates (long polling)', () => {
  it('answers a waiting page as soon as a message arrives, with the messages after the ones it has', async () => {
    const b = browser(createTestApp());
    const opened = (await (await b.post({ type: 'open' })).json()) as Reply & { inbox: string };
    const began = Date.now();
    const waiting = b.request(`/chat/updates?after=2&life=${opened.inbox}&wait=20`);
    setTimeout(() => void b.post({ type: 'text', text: '/help' }), 200);
    const update = await json(waiting);
    expect(update.messages.map((m) => m.seq)).toEqual([3, 4]);
    expect(update.messages[0]?.text).toContain('Я задаю вопросы по одному');
    // Well before the 20 s it could have waited (a generous bound: only "it did not wait it out" is asserted).
    expect(Date.now() - began).toBeLessThan(15_000);
  });

  it('starts the numbering again after an idle expiry, under a new life the page recognises', async () => {
    // The store reads the clock at each call, so the faked one below ages its entries too.
    const b = browser(createTestApp({ store: createMemoryStateStore({ now: () => Date.now() }) }));
    const opened = (await (await b.post({ type: 'open' })).json()) as Reply & { inbox: string };
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 25 * 60 * 60 * 1000);
      const after = (await (await b.post({ type: 'text', text: 'hello' })).json()) as Reply & {
        inbox: string;
      };
      // The page would drop seq 1 as seen under the old life; under a new one it shows the notice and the menu.
      expect(after.inbox).not.toBe(opened.inbox);
      expect(after.messages[0]).toMatchObject({ seq: 1 });
      expect(after.messages[0]?.text).toContain('Мы давно не общались');
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers at once when the page counts in another life of the inbox', async () => {
    const b = browser(createTestApp());
    await b.post({ type: 'open' });
    const update = (await (await b.request('/chat/updates?after=9&life=an-old-life&wait=20')).json()) as {
      inbox: string;
    };
    expect(update.inbox).not.toBe('an-old-life');
  });

  it('holds at most two waiting requests per chat: a third is answered at once', async () => {
    const b = browser(createTestApp());
    const opened = (await (await b.post({ type: 'open' })).json()) as { inbox: string };
    const poll = () => b.request(`/chat/updates?after=2&life=${opened.inbox}&wait=20`);
    const held = [poll(), poll()];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    expect((await json(poll())).messages).toEqual([]);
    expect(Date.now() - began).toBeLessThan(5_000); // not the 20 s the first two wait
    await b.post({ type: 'text', text: '/help' }); // lets the two held ones go
    for (const answer of await Promise.all(held)) expect((await json(answer)).messages).toHaveLength(2);
  });

  it('counts requests for updates against the client, with Retry-After past the budget', async () => {
    const b = browser(createTestApp({ updatesPerMinute: 2 }));
    await b.post({ type: 'open' });
    for (let i = 0; i < 2; i++) expect((await b.request('/chat/updates?after=0')).status).toBe(200);
    const refused = await b.request('/chat/updates?after=0');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('lets every waiting page go when the instance stops, and refuses a wait past 25 s', async () => {
    const stopping = new AbortController();
    const b = browser(createTestApp({ stopping: stopping.signal }));
    const opened = (await (await b.post({ type: 'open' })).json()) as { inbox: string };
    const waiting = b.request(`/chat/updates?after=2&life=${opened.inbox}&wait=25`);
    setTimeout(() => stopping.abort(), 100);
    expect((await json(waiting)).messages).toEqual([]);
    expect((await b.request('/chat/updates?after=0&wait=26')).status).toBe(400);
    expect((await b.request('/chat/updates?after=0&wait=soon')).status).toBe(400);
  });
});

describe("web chat embedded in an insurer's site (WEB_CHAT_EMBED_ORIGINS)", () => {
  const insurer = 'https://www.insurer.ru';

  it('lets the named sites frame the chat page, and no page else', async () => {
    const app = createTestApp({ embedOrigins: [insurer] });
    const page = await app.request('/');
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${insurer};`);
    expect(page.headers.get('x-frame-options')).toBeNull();
    for (const path of ['/healthz', '/chat/updates?after=0', '/nowhere']) {
      const other = await app.request(path);
      expect(other.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(other.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('frames nothing when no site is named', async () => {
    const page = await createTestApp().request('/');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('gives the framed chat a cookie a browser sends and keeps in a third-party frame', async () => {
    const cookie = (await createTestApp({ embedOrigins: [insurer] }).request('/')).headers.get('set-cookie');
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=None/);
    expect(cookie).toMatch(/Partitioned/);
    // Its own name: a chat cookie from before embedding was switched on is not taken for it (a browser would send
    // both, the old one first, and it would shadow every new one, a sign-in's included).
    expect(cookie).toMatch(/^kabinet_chat=/);
    const before = (await createTestApp().request('/')).headers.get('set-cookie') ?? '';
    const returning = await createTestApp({ embedOrigins: [insurer] }).request('/', {
      headers: { cookie: before.split(';')[0] ?? '' },
    });
    expect(returning.headers.get('set-cookie')).toMatch(/^kabinet_chat=/);
  });

  it("refuses the chat's API to another site's page (Fetch Metadata)", async () => {
    const b = browser(createTestApp({ embedOrigins: [insurer] }));
    await b.request('/');
    for (const site of ['cross-site', 'same-site']) {
      const posted = await b.request('/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-fetch-site': site },
        body: JSON.stringify({ id: 'x1', body: { type: 'open' } }),
      });
      expect(posted.status, site).toBe(403);
      const read = await b.request('/chat/updates?after=0&wait=25', { headers: { 'sec-fetch-site': site } });
      expect(read.status, site).toBe(403);
    }
    // The page itself, framed or not, asks from its own origin.
    const own = await b.request('/chat/updates?after=0', { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
  });

  it("serves the widget and the insurer's mark to other sites' pages", async () => {
    const app = createTestApp({ embedOrigins: [insurer] });
    const widget = await app.request('/chat/widget.js');
    expect(widget.headers.get('content-type')).toContain('text/javascript');
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const script = await widget.text();
    expect(script).toContain(presets.soglasie.brand.color);
    expect(script).toContain('Открыть чат');
    expect(script).toContain('Open the chat');
    const logo = await app.request('/chat/logo.svg');
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(logo.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await logo.text()).toBe(presets.soglasie.brand.logo);
    // The page's own resources stay its own.
    expect((await app.request('/chat/app.js')).headers.get('cross-origin-resource-policy')).toBe(
      'same-origin',
    );
    expect(await (await app.request('/chat/app.css')).text()).toContain(
      `--brand: ${presets.soglasie.brand.color}`,
    );
  });
});

describe('web chat abuse limits', () => {
  it('answers 429 with Retry-After when one client sends too many messages', async () => {
    const b = browser(createTestApp({ messagesPerMinute: 3 }));
    for (let i = 0; i < 3; i++) expect((await b.post({ type: 'open' })).status).toBe(200);
    const refused = await b.post({ type: 'open' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(refused)).message).toContain('Too many messages');
  });

  it('caps new conversations per client, so rotating cookies buys no fresh budgets', async () => {
    const app = createTestApp();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await browser(app).post({ type: 'open' })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const returning = browser(app);
    expect((await returning.request('/chat/updates?after=0')).status).toBe(200);
  });
});
