import type { Result } from '../result';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Sms {
  /** E.164. */
  to: string;
  text: string;
}

/**
 * `rejected`: the gateway refused this message for good (an SMTP 5xx, a gateway's 4xx): retrying cannot help.
 * `unavailable`: it could not be reached or failed on its side (a timeout, a 4xx SMTP reply, a 5xx): retry later.
 */
export type DeliveryError = 'rejected' | 'unavailable';

/** E-mail: SMTP in production, the development outbox otherwise. */
export interface Mailer {
  send(mail: Mail): Promise<Result<void, DeliveryError>>;
}

/** SMS: the gateway's HTTP API in production, the development outbox otherwise. */
export interface SmsSender {
  send(sms: Sms): Promise<Result<void, DeliveryError>>;
}
