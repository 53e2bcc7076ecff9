import type { CodePurpose, CodeService } from './codes';
import { textToHtml } from './html';
import { createTranslations, type Locale } from './i18n';
import { describeError, type Logger } from './logger';
import type { ChannelName } from './messages';
import type { Notices } from './notices';
import type { Mailer, SmsSender } from './ports/delivery';
import type { JobQueue } from './ports/job-queue';
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
  mailer: Mailer;
  sms: SmsSender;
  notices: Notices;
  preset: InsurerPreset;
  logger: Logger;
}

/**
 * Codes leave through the `code` queue after the turn that issued them: one send per request however often the
 * turn runs, retried with backoff when the gateway is down. When it is refused outright, or every retry failed,
 * the customer's conversation is told at once (a notice) and offered a new code or another address.
 */
export function createCodeDelivery(options: CodeDeliveryOptions) {
  const { queue, codes, mailer, sms, notices, preset, logger } = options;
  const translations = createTranslations();

  async function deliver(request: CodeRequest, lastAttempt: boolean) {
    const code = await codes.current(request.purpose, request.contact, request.conversationId, request.event);
    if (!code) return; // replaced by a newer code, or expired: nothing worth sending
    const t = translations(request.locale);
    const vars = {
      insurer: preset.name[request.locale],
      code,
      minutes: Math.round(preset.codes.ttlSeconds / 60),
    };
    const sent =
      request.to === 'email'
        ? await mailer.send({
            to: request.contact,
            subject: t('mail.code.subject', vars),
            text: t('mail.code.text', vars),
            html: textToHtml(t('mail.code.text', vars)),
          })
        : await sms.send({ to: request.contact, text: t('sms.code', vars) });
    if (sent.ok) return;
    if (sent.error === 'unavailable' && !lastAttempt) throw new Error(`${request.to} gateway unavailable`);
    logger.warn('code not delivered', {
      to: request.to,
      reason: sent.error,
      conversationId: request.conversationId,
    });
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
