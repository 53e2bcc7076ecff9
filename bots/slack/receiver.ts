import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { describeError, type Logger } from '../../core/logger';
import { verifySlackSignature } from './signature';

/** Slack waits 3 s for an acknowledgement; Bolt's listeners ack first, and this leaves room for the trip back. */
const ACK_WAIT_MS = 2500;

/**
 * Bolt inside our own Hono app (no Express, no second port): `POST /slack/events` checks Slack's signature on the
 * raw body before anything reads it, hands the payload to Bolt, and answers with whatever the listener
 * acknowledged — the slow work (records, Slack calls) goes on after the answer.
 */
export class HonoReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly options: { signingSecret: string; logger: Logger; now?: () => number }) {}

  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  routes(): Hono {
    const routes = new Hono();
    // Slack's payloads are a few kilobytes (a modal's state, a message's blocks): anything far larger is refused
    // while it streams, before the signature is even looked at.
    const limit = bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) => c.json({ error: 'too_large', message: 'Slack payloads are smaller' }, 413),
    });
    routes.post('/slack/events', limit, async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const rawBody = new TextDecoder().decode(bytes);
      const verified = await verifySlackSignature({
        signingSecret: this.options.signingSecret,
        rawBody: bytes,
        timestamp: c.req.header('x-slack-request-timestamp'),
        signature: c.req.header('x-slack-signature'),
        now: (this.options.now ?? Date.now)(),
      });
      if (!verified.ok) {
        this.options.logger.warn('slack request refused', { problem: verified.error });
        return c.json({ error: 'unauthorized', message: 'Invalid Slack signature' }, 401);
      }
      const body = parse(rawBody, c.req.header('content-type') ?? '');
      if (!body) return c.json({ error: 'bad_request', message: 'Unreadable Slack payload' }, 400);
      // Slack checks the address it was given before sending anything else.
      if (body.type === 'url_verification') return c.json({ challenge: body.challenge });
      if (body.ssl_check) return c.body(null, 200);
      const retry = Number(c.req.header('x-slack-retry-num'));
      const acked = await this.dispatch(body, Number.isInteger(retry) ? retry : undefined);
      if (acked === undefined || acked === '') return c.body(null, 200);
      return typeof acked === 'string' ? c.text(acked) : c.json(acked);
    });
    return routes;
  }

  /** Runs Bolt on one payload; resolves with the acknowledgement's body as soon as a listener gives it. */
  private dispatch(body: Record<string, unknown>, retryNum: number | undefined): Promise<unknown> {
    const app = this.app;
    if (!app) throw new Error('the Slack receiver was not given to a Bolt App');
    return new Promise((resolve) => {
      let answered = false;
      const answer = (response: unknown) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(response);
      };
      // No listener acknowledged in time (an action we do not handle): Slack is answered anyway.
      const timer = setTimeout(() => answer(undefined), ACK_WAIT_MS);
      const event: ReceiverEvent = {
        body,
        retryNum,
        ack: async (response?: unknown) => answer(response),
      };
      // Done without an acknowledgement (nothing listens for it): answered now, not after the wait.
      app
        .processEvent(event)
        .catch((error) => this.options.logger.error('slack event failed', { error: describeError(error) }))
        .finally(() => answer(undefined));
    });
  }
}

/** Interactivity comes as a form with one `payload` field of JSON; events as JSON. Null when neither reads. */
function parse(rawBody: string, contentType: string): Record<string, unknown> | null {
  try {
    if (contentType.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(rawBody);
      const payload = form.get('payload');
      return payload ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(form);
    }
    const parsed = JSON.parse(rawBody) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
