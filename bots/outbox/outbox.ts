import type { Mail, Mailer, Sms, SmsSender } from '../../core/ports/delivery';
import { ok } from '../../core/result';

export interface OutboxEntry {
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  at: Date;
}

/**
 * The development outbox: where mail and SMS go when no SMTP server or SMS gateway is configured, so the whole
 * flow can be walked on one laptop. Keeps the newest `keep` messages in memory and prints each one.
 * It holds codes in clear by design: it replaces the customer's mailbox, and is served only while in use.
 */
export function createOutbox(options: { keep?: number; print?: (line: string) => void } = {}) {
  const keep = options.keep ?? 200;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const entries: OutboxEntry[] = [];

  function add(entry: OutboxEntry) {
    entries.unshift(entry);
    entries.length = Math.min(entries.length, keep);
    const subject = entry.subject ? ` «${entry.subject}»` : '';
    print(`[outbox] ${entry.channel} to ${entry.to}${subject}: ${entry.text.replace(/\n/g, ' ')}`);
  }

  const mailer: Mailer = {
    async send(mail: Mail) {
      add({ channel: 'email', to: mail.to, subject: mail.subject, text: mail.text, at: new Date() });
      return ok(undefined);
    },
  };
  const sms: SmsSender = {
    async send(message: Sms) {
      add({ channel: 'sms', to: message.to, subject: null, text: message.text, at: new Date() });
      return ok(undefined);
    },
  };
  /** Newest first. */
  const list = (): readonly OutboxEntry[] => entries;
  return { mailer, sms, list };
}

export type Outbox = ReturnType<typeof createOutbox>;
