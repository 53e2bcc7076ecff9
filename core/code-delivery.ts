import type { CodePurpose, CodeService } from './codes';
import { type Letter, sendLetter } from './contact-messages';
import { createTranslations, type Locale, type MessageKey } from './i18n';
import { describeError, type Logger } from './logger';
import type { ChannelName } from './messages';
import type { Notices } from './notices';
import { generatePassword } from './password-generator';
import type { Mailer, SmsSender } from './ports/delivery';
import type { JobQueue } from './ports/job-queue';
import type { SessionRepository } from './ports/sessions';
import { noTelemetry, type Telemetry } from './ports/telemetry';
import type { InsurerPreset } from './presets';

/** Where a code goes: the e-mail box or the phone. */
export type CodeChannel = 'email' | 'phone';

/** A code to deliver. It holds no code: the job asks the code service for the one `event` was issued. */
export interface CodeRequest {
  purpose: CodePurpose;
  to: CodeChannel;
  contact: string;
  /** The conversation that asked, and where it lives: the code's requester, told if delivery fails. */
  conversationId: string;
  channel: ChannelName;
  /** The event that asked for the code: the job's idempotency key. */
  event: string;
  locale: Locale;
}

export interface CodeDeliveryOptions {
  queue: JobQueue;
  codes: CodeService;
  /** Whether a reset's contact has an account: only then does its code leave. */
  accounts: Pick<SessionRepository, 'credentials'>;
  mailer: Mailer;
  sms: SmsSender;
  notices: Notices;
  preset: InsurerPreset;
  logger: Logger;
  telemetry?: Telemetry;
}

/**
 * Codes leave through the `code` queue after the turn that issued them: one send per request however often the
 * turn runs, retried with backoff when the gateway is down. When it is refused outright, or every retry failed,
 * the customer's conversation is told at once (a notice) and offered a new code or another address (registration
 * only: see `deliver`).
 */
export function createCodeDelivery(options: CodeDeliveryOptions) {
  const { queue, codes, accounts, mailer, sms, notices, preset, logger } = options;
  const telemetry = options.telemetry ?? noTelemetry;
  const translations = createTranslations();

  /** What the message says: the code, and for a reset in mode 'sent' the new password that goes with it. */
  async function letterFor(request: CodeRequest, code: string): Promise<Letter | null> {
    const t = translations(request.locale);
    const vars = {
      insurer: preset.name[request.locale],
      code,
      minutes: Math.round(preset.codes.ttlSeconds / 60),
    };
    const letter = (subject: MessageKey, mail: MessageKey, sms: MessageKey, more = {}) => ({
      subject: t(subject, { ...vars, ...more }),
      text: t(request.to === 'email' ? mail : sms, { ...vars, ...more }),
    });
    if (request.purpose === 'register') return letter('mail.code.subject', 'mail.code.text', 'sms.code');
    // Nobody to reset: nothing is sent, and the customer was told what anyone is told (core/flows/password-reset).
    if (!(await accounts.credentials(request.to, request.contact))) return null;
    if (preset.resetMode === 'chosen') return letter('mail.reset.subject', 'mail.reset.text', 'sms.reset');
    const seed = await codes.companion('reset', request.contact, request.conversationId, request.event);
    if (!seed) return null;
    const password = await generatePassword(seed, preset.password, [request.contact]);
    return letter('mail.reset.subject', 'mail.reset_sent.text', 'sms.reset_sent', { password });
  }

  async function deliver(request: CodeRequest, lastAttempt: boolean) {
    const code = await codes.current(request.purpose, request.contact, request.conversationId, request.event);
    if (!code) return; // replaced by a newer code, or expired: nothing worth sending
    const letter = await letterFor(request, code);
    if (!letter) return;
    const sent = await sendLetter({ mailer, sms }, request.to, request.contact, letter);
    if (sent.ok) return telemetry.record({ type: 'code', to: request.to, outcome: 'sent' });
    if (sent.error === 'unavailable' && !lastAttempt) throw new Error(`${request.to} gateway unavailable`);
    telemetry.record({ type: 'code', to: request.to, outcome: 'failed' });
    logger.warn('code not delivered', {
      to: request.to,
      reason: sent.error,
      conversationId: request.conversationId,
    });
    // A reset's failure stays unsaid: an unknown contact's code is never sent, so it could never fail, and telling
    // only the known ones would say which contacts have accounts. The code question offers a new code anyway.
    if (request.purpose === 'reset') return;
    await notices.send(
      `code-failed:${request.conversationId}:${request.event}:${request.to}`,
      request.conversationId,
      request.channel,
      {
        key: `code.delivery_failed.${request.to}`,
      },
    );
  }

  return {
    /** Queues the code `request.event` was issued; a second call for the same event adds nothing. */
    send: async (request: CodeRequest): Promise<void> => {
      await queue.send('code', { ...request }, `${request.conversationId}:${request.event}:${request.to}`);
    },
    work: () =>
      queue.work('code', async (job) => {
        try {
          await deliver(job.data as unknown as CodeRequest, job.lastAttempt);
        } catch (error) {
          logger.info('code delivery will be retried', { error: describeError(error) });
          throw error;
        }
      }),
  };
}

export type CodeDelivery = ReturnType<typeof createCodeDelivery>;
