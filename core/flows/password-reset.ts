import { z } from 'zod';
import type { CodePurpose } from '../codes';
import type { ContactChannel } from '../contact-messages';
import { emailAnswer, readMobilePhone } from '../contacts';
import {
  column,
  defineFlow,
  type FlowData,
  flowMoves,
  type StepContext,
  same,
  say,
  type Transition,
} from '../flow';
import { generatePassword } from '../password-generator';
import type { Services } from '../services';
import { newPasswordSteps } from './new-password';
import { codeStep, sendFirstCode } from './verification';

/** What a reset collects: the contact the code went to, and in mode 'chosen' the new password's sealed hash. */
type ResetData = {
  email: string;
  /** E.164. */
  phone: string;
  /** Which of the two the customer chose. */
  via: ContactChannel;
  /** bcrypt, sealed under DATA_KEY for this conversation (as at registration). */
  passwordHash: string | null;
  /** Which code proved the contact: a reset's, or the registration's that found it taken (`afterProof`). */
  provenBy: CodePurpose;
};

type ResetStep =
  | 'via'
  | 'email'
  | 'phone'
  | 'email_code'
  | 'phone_code'
  | 'new_password'
  | 'new_password_repeat';

type Reset = StepContext<Services, ResetData>;

const { goTo, backTo } = flowMoves<ResetData, ResetStep>();

const [newPassword, newPasswordRepeat] = newPasswordSteps<ResetData, ResetStep>({
  ask: 'reset.new_password.ask',
  steps: ['new_password', 'new_password_repeat'],
  purpose: 'reset.password',
  personal: (ctx) => [contactOf(ctx)],
  next: (ctx, hash) => changePassword(ctx, hash),
});

/**
 * Password reset in chat (Soglasie's "Сброс пароля"): e-mail or phone, a 6-digit code there, then either the new
 * password that came with the code (mode 'sent') or one the customer types twice (mode 'chosen'). Whether an
 * account exists is never said: the reply after the contact is the same and costs the same, since the code is
 * issued and queued either way and only the delivery job, after the turn, drops it for an unknown contact.
 */
export const passwordResetFlow = defineFlow<Services, ResetData, ResetStep>({
  name: 'password-reset',
  first: 'via',
  steps: {
    via: {
      ask: ({ t }) => ({
        text: t('reset.via.ask'),
        options: column(t, [
          ['email', 'reset.via.email'],
          ['phone', 'reset.via.phone'],
        ]),
      }),
      // A reset begun here is proven by a reset code (not by a registration's handed over earlier in the chat).
      handle: (answer) =>
        answer.type === 'choice' && (answer.value === 'email' || answer.value === 'phone')
          ? goTo(answer.value, { via: answer.value, provenBy: 'reset' })
          : same('error.choose_option'),
    },

    email: {
      ask: ({ t }) => ({ text: t('reset.email.ask') }),
      expects: 'email',
      text: emailAnswer,
      handle: (answer, ctx) =>
        answer.type === 'text'
          ? sendFirstCode(ctx, 'email', answer.value, 'reset', 'email_code', [], { email: answer.value })
          : same('error.text_expected'),
    },

    phone: {
      ask: ({ t }) => ({ text: t('reset.phone.ask') }),
      expects: 'tel',
      text: z.string(),
      handle(answer, ctx) {
        const phone = readMobilePhone(answer.type === 'text' ? answer.value : '', ctx.preset.phoneRegion);
        if (!phone.ok) return same(`reg.phone.${phone.error}`);
        return sendFirstCode(ctx, 'phone', phone.value, 'reset', 'phone_code', [], { phone: phone.value });
      },
    },

    email_code: codeStep<ResetData, ResetStep>({
      channel: 'email',
      purpose: 'reset',
      changeAt: 'email',
      changing: {},
      ask: 'reset.code.email.ask',
      confirmed: codeConfirmed,
    }),

    phone_code: codeStep<ResetData, ResetStep>({
      channel: 'phone',
      purpose: 'reset',
      changeAt: 'phone',
      changing: {},
      ask: 'reset.code.phone.ask',
      confirmed: codeConfirmed,
    }),

    new_password: newPassword,
    new_password_repeat: newPasswordRepeat,
  },
});

/**
 * Into the reset at "choose a new password", for a customer who has just proven `contact` with a registration code
 * and found it registered: they own it, so asking for another code would only slow them down.
 */
export const newPasswordAfterProof = (
  via: ContactChannel,
  contact: string,
): Extract<Transition<FlowData, string>, { to: 'flow' }> => ({
  to: 'flow',
  flow: 'password-reset',
  enter: {
    step: 'new_password',
    data: { via, [via]: contact, provenBy: 'register' } satisfies Partial<ResetData>,
  },
});

const contactOf = ({ data }: Reset): string => String((data.via === 'phone' ? data.phone : data.email) ?? '');

/** The code is right: in mode 'sent' the password from the message takes effect now; in 'chosen' one is typed. */
async function codeConfirmed(ctx: Reset): Promise<Transition<ResetData, ResetStep>> {
  const unfinished = await unfinishedRegistration(ctx);
  if (unfinished) return unfinished;
  if (ctx.preset.resetMode === 'chosen') return goTo('new_password');
  const { preset, services, conversation } = ctx;
  const seed = await services.codes.companion('reset', contactOf(ctx), conversation, null);
  if (!seed) return backTo('via', { provenBy: 'reset' }, [say(ctx.t('reset.code_expired'))]);
  const password = await generatePassword(seed, preset.password, [contactOf(ctx)]);
  return changePassword(ctx, await services.passwords.hash(password));
}

/**
 * A cabinet still waiting for its activation link (Victoria) is not reset. By SMS: the link is still needed. By
 * e-mail the mailbox is proven, but the phone in the registration was proven by whoever registered — possibly a
 * stranger who typed this e-mail to hold the cabinet and take it back later by SMS. So the registration is
 * withdrawn (both contacts free again) and its e-mail's owner registers anew, with a phone of their own.
 */
async function unfinishedRegistration(ctx: Reset): Promise<Transition<ResetData, ResetStep> | null> {
  const { t, services, channel } = ctx;
  const via = ctx.data.via === 'phone' ? 'phone' : 'email';
  const contact = contactOf(ctx);
  const credentials = await services.accounts.credentials(via, contact);
  const withdrawn: Transition<ResetData, ResetStep> = {
    to: 'flow',
    flow: 'registration',
    say: [say(t('reset.registration_withdrawn'))],
  };
  // A proven e-mail whose account is gone was withdrawn (by a re-run of this turn, or a reset beside it): the
  // code was delivered, so it had an account.
  if (!credentials) return via === 'email' ? withdrawn : null;
  if (credentials.activated) return null;
  if (via === 'phone') return { to: 'done', say: [say(t('reset.not_activated'))] };
  const actor = `customer:${channel}`;
  if (
    await services.accounts.withdrawUnactivated(
      credentials.accountId,
      actor,
      'its e-mail was proven by a reset code',
    )
  )
    return withdrawn;
  // Not withdrawn: its link was followed a moment ago (active now, so the reset goes on), or it is gone already.
  return (await services.accounts.credentials(via, contact))?.activated ? null : withdrawn;
}

/**
 * Sets the new password, which ends every session of the account, then signs this conversation in and tells the
 * customer's other contact. All keyed by this event, so a re-run turn changes, opens and sends nothing twice.
 */
async function changePassword(ctx: Reset, passwordHash: string): Promise<Transition<ResetData, ResetStep>> {
  const { t, preset, services, conversation, channel, event, locale } = ctx;
  const via = ctx.data.via === 'phone' ? 'phone' : 'email';
  const contact = contactOf(ctx);
  // The code must still stand at the very end (a chosen password typed after it expired does not count).
  if (!(await services.codes.confirmed(ctx.data.provenBy ?? 'reset', contact, conversation)))
    return backTo('via', { provenBy: 'reset' }, [say(t('reset.code_expired'))]);
  const account = await services.accounts.findByContact(via, contact);
  // Only a code guessed for a contact without an account gets here: the same answer as a wrong code.
  if (!account) return same('code.not_issued');
  // Activated meanwhile is fine; still unfinished, the same answer as at the code.
  const unfinished = await unfinishedRegistration(ctx);
  if (unfinished) return unfinished;
  // Typed by the customer (mode 'chosen', or handed over from registration), or the one sent with the code.
  const mode = preset.resetMode === 'chosen' || ctx.data.provenBy === 'register' ? 'chosen' : 'sent';
  const requestId = `reset:${conversation}:${event}`;
  const changed = await services.accounts.changePassword({
    accountId: account.id,
    passwordHash,
    requestId,
    actor: `customer:${channel}`,
    details: { mode, via, channel, provenBy: ctx.data.provenBy ?? 'reset' },
  });
  if (!changed) throw new Error('an unconditional password change changed nothing');
  const { generation } = changed;
  await Promise.all([
    services.signIn.forget({ kind: 'email', value: account.email }),
    services.signIn.forget({ kind: 'phone', value: account.phone }),
  ]);
  // Told on the other contact: whoever holds this one cannot hide the change from the owner.
  const other: ContactChannel = via === 'email' ? 'phone' : 'email';
  await services.contactMessages.send(
    {
      to: other,
      contact: other === 'email' ? account.email : account.phone,
      subject: 'mail.password_changed.subject',
      text: 'mail.password_changed.text',
      sms: 'sms.password_changed',
      vars: { insurer: preset.name[locale], support: preset.support },
      locale,
    },
    `password-changed:${requestId}`,
  );
  const signIn = await services.sessions.open(account.id, generation, { conversation, channel, event });
  const done = say(t(mode === 'sent' ? 'reset.done_sent' : 'reset.done_chosen'));
  return { to: 'done', say: [done], signIn, completed: true };
}
