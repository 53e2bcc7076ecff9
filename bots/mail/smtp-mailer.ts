import { createTransport } from 'nodemailer';
import { describeError, type Logger } from '../../core/logger';
import type { Mailer } from '../../core/ports/delivery';
import { fail, ok } from '../../core/result';

/** E-mail over SMTP (`smtp://user:pass@host:port`, `smtps://` for TLS from the start). */
export function createSmtpMailer(options: {
  url: string;
  from: string;
  logger: Logger;
}): Mailer & { close(): void } {
  const transport = createTransport(smtpOptions(options.url), { from: options.from });
  return {
    async send(mail) {
      try {
        await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
        return ok(undefined);
      } catch (error) {
        // The message (it may hold a code) is never logged; the server's answer is enough to diagnose.
        options.logger.warn('smtp send failed', {
          error: describeError(error),
        });
        // SMTP's 5xx replies are permanent (no such mailbox, refused); anything else may pass on a retry.
        const code = (error as { responseCode?: unknown }).responseCode;
        return fail(typeof code === 'number' && code >= 500 ? 'rejected' : 'unavailable');
      }
    },
    close: () => transport.close(),
  };
}

/** SMTP_URL as transport options, with timeouts: nodemailer's defaults would hold a chat for minutes. */
function smtpOptions(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: Number(parsed.port || (secure ? 465 : 587)),
    secure,
    auth: parsed.username
      ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  };
}
