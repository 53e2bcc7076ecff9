import { Hono } from 'hono';
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
}

/** Shown when something failed on our side; the customer's place in the conversation is kept. */
const OUTAGE_MESSAGE =
  'Сервис временно недоступен: это сообщение не принято, прежние ответы сохранены — отправьте его ещё раз через минуту. / The service is briefly unavailable: this message was not taken (your earlier answers are kept); please send it again in a minute.';

/** The HTTP face of Kabinet: the same app on Node and in tests (`app.request()`). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // blob: shows a picture the customer chose before it is sent.
        imgSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
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
