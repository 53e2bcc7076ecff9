import { z } from 'zod';
import type { CodePurpose, VerifyOutcome } from '../codes';
import { formatPhone } from '../contacts';
import { backTo, column, type FlowData, type Step, type StepContext, same, type Transition } from '../flow';
import { textToHtml } from '../html';
import type { Translate } from '../i18n';
import { fail, ok, type Result } from '../result';
import type { Services } from '../services';

/** Where a code goes: the e-mail box or the phone. */
export type CodeChannel = 'email' | 'phone';

/** A typed code: spaces and dashes people put between digits are ignored. */
export const codeAnswer = z
  .string()
  .transform((typed) => typed.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'code.format'));

/** Issues a code and delivers it; on failure, what to tell the customer. The code is forgotten after sending. */
export async function sendCode(
  ctx: StepContext<Services>,
  channel: CodeChannel,
  contact: string,
  purpose: CodePurpose,
): Promise<Result<void, string>> {
  const { t, preset, services } = ctx;
  const issued = await services.codes.issue(purpose, contact, ctx.conversation);
  if (!issued.ok) {
    return fail(
      issued.error === 'cooldown'
        ? t('code.cooldown', { seconds: issued.retryAfterSeconds })
        : t('code.hourly_cap', { minutes: Math.ceil(issued.retryAfterSeconds / 60) }),
    );
  }
  const vars = {
    insurer: preset.name[ctx.locale],
    code: issued.code,
    minutes: Math.round(preset.codes.ttlSeconds / 60),
  };
  const sent =
    channel === 'email'
      ? await services.mailer.send({
          to: contact,
          subject: t('mail.code.subject', vars),
          text: t('mail.code.text', vars),
          html: textToHtml(t('mail.code.text', vars)),
        })
      : await services.sms.send({ to: contact, text: t('sms.code', vars) });
  return sent.ok ? ok(undefined) : fail(t(`code.delivery_failed.${channel}`));
}

/** Why a typed code was not accepted, and what to do next. */
export function explainCodeRefusal(outcome: Exclude<VerifyOutcome, { ok: true }>, t: Translate): string {
  return outcome.error === 'wrong'
    ? t('code.wrong', { count: outcome.attemptsLeft })
    : t(`code.${outcome.error}`);
}

export interface CodeStepOptions {
  channel: CodeChannel;
  purpose: CodePurpose;
  /** The step where the contact is typed, for "change e-mail/phone"; it comes back to `returnTo` after. */
  changeAt: string;
  returnTo: string;
  /** Where to go once the code is right. */
  confirmed(ctx: StepContext<Services>): Promise<Transition>;
}

/** "Enter the code": with Resend and Change buttons, specific answers for wrong, expired and used-up codes. */
export function codeStep({
  channel,
  purpose,
  changeAt,
  returnTo,
  confirmed,
}: CodeStepOptions): Step<Services, string> {
  const contactOf = (data: Readonly<FlowData>) => String(data[channel] ?? '');
  return {
    ask: ({ t, data }) => ({
      text:
        channel === 'email'
          ? t('code.email.ask', { email: contactOf(data) })
          : t('code.phone.ask', { phone: formatPhone(contactOf(data)) }),
      options: column(t, [
        ['resend', 'code.resend'],
        ['change', channel === 'email' ? 'reg.confirm.change_email' : 'reg.confirm.change_phone'],
      ]),
    }),
    text: codeAnswer,
    async handle(answer, ctx) {
      const { t, data } = ctx;
      if (answer.type === 'choice' && answer.value === 'change') return backTo(changeAt, { returnTo });
      if (answer.type === 'choice') {
        const sent = await sendCode(ctx, channel, contactOf(data), purpose);
        return same(sent.ok ? t('code.resent') : sent.error);
      }
      if (answer.type !== 'text') return same(t('code.format'));
      const verdict = await ctx.services.codes.verify(
        purpose,
        contactOf(data),
        ctx.conversation,
        answer.value,
      );
      return verdict.ok ? confirmed(ctx) : same(explainCodeRefusal(verdict, t));
    },
  };
}
