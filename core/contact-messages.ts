import { textToHtml } from './html';
import { createTranslations, type Locale, type MessageKey } from './i18n';
import type { Logger } from './logger';
import type { DeliveryError, Mailer, SmsSender } from './ports/delivery';
import type { JobQueue } from './ports/job-queue';
import type { Result } from './result';

/** Where a message to a customer's contact goes: the e-mail box or the phone. */
export type ContactChannel = 'email' | 'phone';

/** What is said: an e-mail has a subject, an SMS only the text. */
export interface Letter {
  subject: string;
  text: string;
}

export interface Gateways {
  mailer: Mailer;
  sms: SmsSender;
}

/** Sends `letter` to an e-mail address or a phone (E.164). */
export function sendLetter(
  { mailer, sms }: Gateways,
  to: ContactChannel,
  contact: string,
  letter: Letter,
): Promise<Result<void, DeliveryError>> {
  return to === 'email'
    ? mailer.send({ to: contact, subject: letter.subject, text: letter.text, html: textToHtml(letter.text) })
    : sms.send({ to: contact, text: letter.text });
}

/** A message for a contact, by message keys: the job holds no text, only what to say and in which language. */
export interface ContactMessage {
  to: ContactChannel;
  contact: string;
  subject: MessageKey;
  /** For an e-mail; `sms` for a phone. */
  text: MessageKey;
  sms: MessageKey;
  vars: Record<string, string | number>;
  locale: Locale;
}

/**
 * Messages to a customer's e-mail or phone outside any conversation (the password changed), through the durable
 * `message` queue: sent once per key, retried while the gateway is down, logged when it is refused for good.
 */
export function createContactMessages(options: Gateways & { queue: JobQueue; logger: Logger }) {
  const { queue, logger } = options;
  const translations = createTranslations();
  return {
    /** Queues `message`; `key` makes it once-only (e.g. `password-changed:<request>`). */
    send: async (message: ContactMessage, key: string): Promise<void> => {
      await queue.send('message', { ...message }, key);
    },
    work: () =>
      queue.work('message', async (job) => {
        const message = job.data as unknown as ContactMessage;
        const t = translations(message.locale);
        const letter = {
          subject: t(message.subject, message.vars),
          text: t(message.to === 'email' ? message.text : message.sms, message.vars),
        };
        const sent = await sendLetter(options, message.to, message.contact, letter);
        if (sent.ok) return;
        if (sent.error === 'unavailable' && !job.lastAttempt) {
          logger.info('contact message will be retried', { to: message.to });
          throw new Error(`${message.to} gateway unavailable`);
        }
        logger.warn('contact message not delivered', { to: message.to, reason: sent.error });
      }),
  };
}

export type ContactMessages = ReturnType<typeof createContactMessages>;
