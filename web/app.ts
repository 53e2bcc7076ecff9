import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { describeError, type Logger } from '../core/logger';
import { type ChatDeps, createChatRoutes } from './chat/routes';
import { createHealthRoutes, type Dependency } from './health';

export interface AppDeps extends ChatDeps {
  dependencies: Dependency[];
  logger: Logger;
  /** Extra routes mounted at the root, e.g. the development outbox while it is in use. */
  extraRoutes?: Hono[];
  /** Runs a request's handling with its id on every line it logs (web/pino-logger.ts); none: just runs it. */
  logContext?: <T>(fields: Record<string, string>, work: () => Promise<T>) => Promise<T>;
}

/** An id a caller (a proxy, a load balancer) gave the request, if it looks like one; else ours. */
const REQUEST_ID = /^[\w.:-]{8,128}$/;

/** Shown when something failed on our side; the customer's place in the conversation is kept. */
const OUTAGE_MESSAGE =
  'Сервис временно недоступен: это сообщение не принято, прежние ответы сохранены — отправьте его ещё раз через минуту. / The service is briefly unavailable: this message was not taken (your earlier answers are kept); please send it again in a minute.';

/** The HTTP face of Kabinet: the same app on Node and in tests (`app.request()`). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // Every answer names its request, and so does every line logged while handling it: a customer's "it failed at
  // 14:02" or a proxy's log finds the lines that belong to it.
  app.use(async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    await (deps.logContext ? deps.logContext({ requestId: id }, next) : next());
    c.res.headers.set('x-request-id', id);
  });
  // Only the chat page may be framed, and only by the sites WEB_CHAT_EMBED_ORIGINS names (the widget); every other
  // page (the outbox, the review desk, activation) by none.
  const embedders = deps.embedOrigins ?? [];
  const framable = (c: Context) => embedders.length > 0 && c.req.method === 'GET' && c.req.path === '/';
  app.use(async (c, next) => {
    await next();
    // The old header cannot name sites; browsers that know CSP ignore it where frame-ancestors is set.
    if (!framable(c)) c.res.headers.set('X-Frame-Options', 'DENY');
    // The widget's script and the launcher's mark are loaded by other sites' pages; nothing else is theirs to load.
    const shared = c.req.path === '/chat/widget.js' || c.req.path === '/chat/logo.svg';
    c.res.headers.set('Cross-Origin-Resource-Policy', shared ? 'cross-origin' : 'same-origin');
  });
  app.use(
    secureHeaders({
      xFrameOptions: false,
      crossOriginResourcePolicy: false,
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // blob: shows a picture the customer chose before it is sent.
        imgSrc: ["'self'", 'blob:'],
        frameAncestors: [(c) => (framable(c) ? embedders.join(' ') : "'none'")],
        formAction: ["'self'"],
      },
    }),
  );
  app.route('/', createHealthRoutes(deps.dependencies));
  app.route('/', createChatRoutes(deps));
  for (const routes of deps.extraRoutes ?? []) app.route('/', routes);

  app.notFound((c) =>
    c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404),
  );
  // The HTTP edge's error boundary: expected refusals carry their status; anything else is logged, never leaked.
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const code =
        (
          { 403: 'forbidden', 413: 'too_large', 429: 'too_many_requests', 503: 'unavailable' } as Record<
            number,
            string
          >
        )[error.status] ?? 'bad_request';
      const retryAfter = error.getResponse().headers.get('retry-after');
      return c.json(
        { error: code, message: error.message },
        error.status,
        retryAfter ? { 'retry-after': retryAfter } : {},
      );
    }
    deps.logger.error('request failed', {
      method: c.req.method,
      path: c.req.path,
      error: describeError(error),
    });
    return c.json({ error: 'unavailable', message: OUTAGE_MESSAGE }, 503);
  });
  return app;
}
