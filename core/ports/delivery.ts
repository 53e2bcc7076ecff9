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

/** A gateway that refused or could not be reached: the customer is told and can try again. */
export type DeliveryError = 'delivery_failed';

/** E-mail: SMTP in production, the development outbox otherwise. */
export interface Mailer {
  send(mail: Mail): Promise<Result<void, DeliveryError>>;
}

/** SMS: the gateway's HTTP API in production, the development outbox otherwise. */
export interface SmsSender {
  send(sms: Sms): Promise<Result<void, DeliveryError>>;
}
