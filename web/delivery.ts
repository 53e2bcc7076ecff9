import { createSmtpMailer } from '../bots/mail/smtp-mailer';
import { createOutbox, type Outbox } from '../bots/outbox/outbox';
import { createSmsGateway } from '../bots/sms/sms-gateway';
import type { Logger } from '../core/logger';
import type { Mailer, SmsSender } from '../core/ports/delivery';
import { type Config, ConfigError } from './config';

export interface Delivery {
  mailer: Mailer;
  sms: SmsSender;
  /** The development outbox, when mail or SMS lands there. */
  outbox: Outbox | null;
  close(): void;
}

/**
 * Mail over SMTP and SMS through the gateway when configured; the development outbox for whichever is not.
 * The outbox shows every code to whoever opens /dev/outbox: fine on a laptop (embedded records), a breach on a
 * server, so beside a server database it takes an explicit DEV_OUTBOX=1.
 */
export function createDelivery(config: Config, logger: Logger): Delivery {
  const missing = [!config.SMTP_URL && 'SMTP_URL', !config.SMS_GATEWAY_URL && 'SMS_GATEWAY_URL'].filter(
    Boolean,
  );
  if (missing.length > 0 && config.DATABASE_URL && config.DEV_OUTBOX !== '1') {
    const why =
      'required when DATABASE_URL is set (or DEV_OUTBOX=1 to read codes at /dev/outbox, never in production)';
    throw new ConfigError(`Invalid configuration:\n${missing.map((name) => `  ${name}: ${why}`).join('\n')}`);
  }
  const outbox = missing.length > 0 ? createOutbox() : null;
  const smtp = config.SMTP_URL
    ? createSmtpMailer({
        url: config.SMTP_URL,
        from: config.MAIL_FROM ?? `Kabinet <no-reply@${new URL(config.PUBLIC_URL).hostname}>`,
        logger,
      })
    : null;
  const gateway = config.SMS_GATEWAY_URL ? createSmsGateway({ url: config.SMS_GATEWAY_URL, logger }) : null;
  return {
    // One of each is always there: `missing` named the other.
    mailer: smtp ?? (outbox as Outbox).mailer,
    sms: gateway ?? (outbox as Outbox).sms,
    outbox,
    close: () => smtp?.close(),
  };
}
