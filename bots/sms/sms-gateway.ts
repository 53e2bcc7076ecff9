import { describeError, type Logger } from '../../core/logger';
import type { SmsSender } from '../../core/ports/delivery';
import { fail, ok } from '../../core/result';

const TIMEOUT_MS = 10_000;

/** SMS through a gateway's HTTP API: POST JSON `{"to": "+7…", "text": "…"}`; any 2xx is accepted. */
export function createSmsGateway(options: { url: string; logger: Logger; fetch?: typeof fetch }): SmsSender {
  const post = options.fetch ?? fetch;
  return {
    async send(sms) {
      try {
        const response = await post(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: sms.to, text: sms.text }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.ok) return ok(undefined);
        options.logger.warn('sms gateway refused', { status: response.status });
        // A 4xx is about this message (a number the gateway will not take); 429 and 5xx may pass later.
        const refused = response.status >= 400 && response.status < 500 && response.status !== 429;
        return fail(refused ? 'rejected' : 'unavailable');
      } catch (error) {
        options.logger.warn('sms gateway unreachable', {
          error: describeError(error),
        });
        return fail('unavailable');
      }
    },
  };
}
