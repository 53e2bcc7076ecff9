import { createTransport } from 'nodemailer';
import type { Logger } from '../../core/logger';
import type { Mailer } from '../../core/ports/delivery';
import { fail, ok } from '../../core/result';

/** E-mail over SMTP (`smtp://user:pass@host:port`, `smtps://` for TLS from the start). */
export function createSmtpMailer(options: {
  url: string;
  from: string;
  logger: Logger;
}): Mailer & { close(): void } {
  const transport = createTransport(options.url, { from: options.from });
  return {
    async send(mail) {
      try {
        await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
        return ok(undefined);
      } catch (error) {
        // The message (it may hold a code) is never logged; the server's answer is enough to diagnose.
        options.logger.warn('smtp send failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        return fail('delivery_failed');
      }
    },
    close: () => transport.close(),
  };
}
