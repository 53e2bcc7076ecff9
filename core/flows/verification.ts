import { z } from 'zod';
import type { CodeChannel } from '../code-delivery';
import type { CodePurpose, IssueOutcome, VerifyOutcome } from '../codes';
import { formatPhone } from '../contacts';
import {
  because,
  column,
  type FlowData,
  flowMoves,
  type Refusal,
  type Step,
  type StepContext,
  same,
  say,
  type Transition,
  tell,
} from '../flow';
import type { MessageKey } from '../i18n';
import type { Outbound } from '../messages';
import type { Services } from '../services';

export type { CodeChannel } from '../code-delivery';

/** A typed code: spaces and dashes people put between digits are ignored. */
export const codeAnswer = z
  .string()
  .transform((typed) => typed.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, because('code.format')));

type SendRefusal = Exclude<IssueOutcome, { ok: true }>;

/**
 * Issues a code and queues its delivery, keyed by the current event: a turn that runs again sends nothing more.
 * The code itself never passes through here into a job or the state.
 */
export async function sendCode(
  ctx: StepContext<Services, FlowData>,
  to: CodeChannel,
  contact: string,
  purpose: CodePurpose,
): Promise<{ ok: true } | SendRefusal> {
  const { services } = ctx;
  const deliver = (event: string) =>
    services.codeDelivery.send({
      purpose,
      to,
      contact,
      conversationId: ctx.conversation,
      channel: ctx.channel,
      event,
      locale: ctx.locale,
    });
  const issued = await services.codes.issue(purpose, contact, ctx.conversation, ctx.event, ctx.client);
  // The live code's delivery may have died with an earlier turn (issued, then an outage before it was queued):
  // queue it again; its key makes this a no-op when it was queued.
  if (!issued.ok && issued.error === 'cooldown' && issued.issuedFor) await deliver(issued.issuedFor);
  if (!issued.ok) return issued;
  await deliver(ctx.event);
  return { ok: true };
}

/** Why no new code was sent, and when one can be. */
export const explainSendRefusal = (refusal: SendRefusal): Refusal =>
  refusal.error === 'cooldown'
    ? { key: 'code.cooldown', vars: { seconds: refusal.retryAfterSeconds } }
    : {
        // Whose budget ran out: the contact's (many chats asked for it), this chat's or this client's (it asked
        // for many).
        key: `code.${refusal.error}`,
        vars: { minutes: Math.ceil(refusal.retryAfterSeconds / 60) },
      };

/**
 * Sends the first code and moves on to `step`. A code sent moments ago to the same contact (the customer went
 * back and retyped the same address, or the first try met an outage after sending) still works: go on to it.
 */
export async function sendFirstCode<D extends FlowData, K extends string>(
  ctx: StepContext<Services, D>,
  to: CodeChannel,
  contact: string,
  purpose: CodePurpose,
  step: K,
  said: Outbound[] = [],
  set: Partial<D> = {},
): Promise<Transition<D, K>> {
  const { goTo } = flowMoves<D, K>();
  const sent = await sendCode(ctx, to, contact, purpose);
  if (sent.ok) return goTo(step, set, said);
  if (sent.error === 'cooldown') {
    // A code spent on an answer (or expired) is not worth typing: say when a new one can be asked for.
    const note = sent.usable ? 'code.already_sent' : 'code.cooldown';
    return goTo(step, set, [...said, say(ctx.t(note, { seconds: sent.retryAfterSeconds }))]);
  }
  const refusal = explainSendRefusal(sent);
  return said.length > 0 ? goTo(step, set, [...said, say(ctx.t(refusal.key, refusal.vars))]) : same(refusal);
}

/** Why a typed code was not accepted, and what to do next. */
export function explainCodeRefusal(outcome: Exclude<VerifyOutcome, { ok: true }>): Refusal {
  return outcome.error === 'wrong'
    ? { key: 'code.wrong', vars: { count: outcome.attemptsLeft } }
    : { key: `code.${outcome.error}` };
}

/** What a flow with a code step collects: the contact the code goes to. */
type WithContacts = { email: string; phone: string };

export interface CodeStepOptions<D extends FlowData & WithContacts, K extends string> {
  channel: CodeChannel;
  purpose: CodePurpose;
  /** The step where the contact is typed, for "change e-mail/phone", and what to set on the way there. */
  changeAt: K;
  changing: Partial<D>;
  /** Where to go once the code is right. */
  confirmed(ctx: StepContext<Services, D>): Promise<Transition<D, K>>;
  /** The question, given `{{email}}` or `{{phone}}`; by default "We sent a 6-digit code to …". */
  ask?: MessageKey;
}

/** "Enter the code": with Resend and Change buttons, specific answers for wrong, expired and used-up codes. */
export function codeStep<D extends FlowData & WithContacts, K extends string>({
  channel,
  purpose,
  changeAt,
  changing,
  confirmed,
  ask,
}: CodeStepOptions<D, K>): Step<Services, string, D, K> {
  const { backTo } = flowMoves<D, K>();
  const contactOf = (data: Readonly<Partial<D>>) => String(data[channel] ?? '');
  return {
    ask: ({ t, data }) => ({
      text:
        channel === 'email'
          ? t(ask ?? 'code.email.ask', { email: contactOf(data) })
          : t(ask ?? 'code.phone.ask', { phone: formatPhone(contactOf(data)) }),
      options: column(t, [
        ['resend', 'code.resend'],
        ['change', channel === 'email' ? 'reg.confirm.change_email' : 'reg.confirm.change_phone'],
      ]),
    }),
    text: codeAnswer,
    expects: 'one-time-code',
    async handle(answer, ctx) {
      const { data } = ctx;
      if (answer.type === 'choice' && answer.value === 'change') return backTo(changeAt, changing);
      if (answer.type === 'choice') {
        const sent = await sendCode(ctx, channel, contactOf(data), purpose);
        return sent.ok ? tell('code.resent') : same(explainSendRefusal(sent));
      }
      if (answer.type !== 'text') return same('code.format');
      const verdict = await ctx.services.codes.verify(
        purpose,
        contactOf(data),
        ctx.conversation,
        answer.value,
      );
      return verdict.ok ? confirmed(ctx) : same(explainCodeRefusal(verdict));
    },
  };
}
