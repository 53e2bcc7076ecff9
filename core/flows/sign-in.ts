import { z } from 'zod';
import { readContact } from '../contacts';
import { column, defineFlow, flowMoves, type StepContext, same, say, type Transition, tell } from '../flow';
import type { ContactKind } from '../ports/accounts';
import type { Services } from '../services';
import { newPasswordSteps } from './new-password';

/** What signing in collects: the contact as read (never the password). */
type SignInData = {
  kind: ContactKind;
  contact: string;
  /** Epoch ms until which the contact is locked, for the wait the customer is told. */
  lockedUntil: number;
  /** Set once the password was right but cannot sign in yet (not activated, temporary): whose it was. */
  accountId: string;
  /** The generation the password was checked at (the session opens at it, after the change). */
  generation: number;
  /** The new password's sealed hash (core/flows/new-password.ts), when a temporary one must be replaced. */
  passwordHash: string | null;
};

type SignInStep =
  | 'contact'
  | 'password'
  | 'locked'
  | 'not_activated'
  | 'new_password'
  | 'new_password_repeat';

type SignInContext = StepContext<Services, SignInData>;

const { goTo, backTo } = flowMoves<SignInData, SignInStep>();

/** A temporary password signs in only to be replaced, under the preset's rules (Victoria's first sign-in). */
const [newPassword, newPasswordRepeat] = newPasswordSteps<SignInData, SignInStep>({
  ask: 'signin.new_password.ask',
  steps: ['new_password', 'new_password_repeat'],
  purpose: 'signin.password',
  personal: ({ data }) => [String(data.contact ?? '')],
  next: replaceTemporaryPassword,
});

/** Both ways out of a failed sign-in: a password reset, or another contact. */
function forgotOrOther(
  answer: string,
  { hasFlow, preset }: SignInContext,
): Transition<SignInData, SignInStep> {
  if (answer === 'reset' && hasFlow('password-reset')) return { to: 'flow', flow: 'password-reset' };
  if (answer === 'reset') return tell('reg.reset_coming', { support: preset.support });
  if (answer === 'menu') return { to: 'done', say: [] };
  return backTo('contact');
}

/**
 * Sign-in for a returning customer: an e-mail or a phone in one field, then the password. A wrong password and an
 * unknown contact get the same answer in the same time; repeated failures lock the contact for a growing wait.
 */
export const signInFlow = defineFlow<Services, SignInData, SignInStep>({
  name: 'sign-in',
  first: 'contact',
  steps: {
    contact: {
      ask: ({ t }) => ({ text: t('signin.contact.ask') }),
      expects: 'username',
      text: z.string(),
      handle(answer, { preset }) {
        const typed = answer.type === 'text' ? readContact(answer.value, preset.phoneRegion) : null;
        if (!typed?.ok) return same('signin.contact.invalid');
        return goTo('password', { kind: typed.value.kind, contact: typed.value.value });
      },
    },

    password: {
      ask: ({ t }) => ({
        text: t('signin.password.ask'),
        options: column(t, [
          ['reset', 'signin.forgot'],
          ['other', 'signin.other_contact'],
        ]),
      }),
      text: z.string(),
      secret: true,
      expects: 'current-password',
      handle(answer, ctx) {
        if (answer.type === 'choice') return forgotOrOther(answer.value, ctx);
        return answer.type === 'text'
          ? tryPassword(answer.value, ctx, 'password')
          : same('error.text_expected');
      },
    },

    not_activated: {
      ask: ({ t }) => ({
        text: t('signin.not_activated'),
        options: column(t, [
          ['resend', 'signin.resend_link'],
          ['menu', 'reg.already.menu'],
        ]),
      }),
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'menu' || !ctx.data.accountId) return { to: 'done', say: [] };
        const chat = { conversationId: ctx.conversation, channel: ctx.channel };
        // Named by the account and this request: never the same as a registration's or another account's link.
        const origin = `renew|${ctx.data.accountId}|${ctx.conversation}|${ctx.event}`;
        const renewal = await ctx.services.activation.renew(ctx.data.accountId, origin, chat, ctx.locale);
        if (renewal === 'renewed') return tell('signin.link_resent');
        if (renewal === 'too_soon') return same('signin.link_too_soon');
        return backTo('password', {}, [say(ctx.t('signin.activated_now'))]);
      },
    },

    new_password: newPassword,
    new_password_repeat: newPasswordRepeat,

    locked: {
      ask: ({ t, data, now }) => ({
        text: t('signin.locked', {
          count: Math.max(1, Math.ceil((Number(data.lockedUntil) - now) / 60_000)),
        }),
        options: column(t, [
          ['reset', 'signin.forgot'],
          ['retry', 'signin.retry'],
          ['menu', 'reg.already.menu'],
        ]),
      }),
      // What a locked-out customer types next is most likely another password: deleted, and taken as a try.
      text: z.string(),
      secret: true,
      expects: 'current-password',
      handle(answer, ctx) {
        if (answer.type === 'text') return tryPassword(answer.value, ctx, 'locked');
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'retry') return goTo('password');
        return forgotOrOther(answer.value, ctx);
      },
    },
  },
});

/** One try of the password: signed in, or the same answer for a wrong password and an unknown contact, or locked. */
async function tryPassword(
  password: string,
  ctx: SignInContext,
  at: 'password' | 'locked',
): Promise<Transition<SignInData, SignInStep>> {
  if (!ctx.data.kind || !ctx.data.contact) return backTo('contact');
  const { t, services, now } = ctx;
  const contact = { kind: ctx.data.kind, value: ctx.data.contact };
  const who = { conversation: ctx.conversation, client: ctx.client };
  const outcome = await services.signIn.attempt(contact, password, who);
  if (!outcome.ok && outcome.error === 'wrong')
    return at === 'password' ? same('signin.wrong') : goTo('password', {}, [say(t('signin.wrong'))]);
  if (!outcome.ok && outcome.error === 'too_many')
    return same('signin.chat_limit', { minutes: Math.ceil(outcome.retryAfterSeconds / 60) });
  if (!outcome.ok) return goTo('locked', { lockedUntil: now + outcome.retryAfterSeconds * 1000 });
  const { accountId, generation, activated, temporaryUntil } = outcome.credentials;
  // Right, but not yet usable: the link was not followed, or the password is a temporary one.
  if (!activated) return goTo('not_activated', { accountId });
  if (temporaryUntil && temporaryUntil.getTime() <= now) return same('signin.temporary_expired');
  if (temporaryUntil) return goTo('new_password', { accountId, generation }, [say(t('signin.temporary'))]);
  const signIn = await services.sessions.open(accountId, generation, {
    conversation: ctx.conversation,
    channel: ctx.channel,
    event: ctx.event,
  });
  // The password changed between the check and the session (a reset elsewhere): the old one no longer counts.
  if (!signIn) return same('signin.wrong');
  return { to: 'done', say: [say(t('signin.done'))], signIn, completed: true };
}

/** The temporary password is replaced: every session of the account ends with it, and this one opens. */
async function replaceTemporaryPassword(
  ctx: SignInContext,
  passwordHash: string,
): Promise<Transition<SignInData, SignInStep>> {
  const { t, data, services, conversation, channel, event } = ctx;
  if (!data.accountId || data.generation === undefined) return backTo('contact');
  const changed = await services.accounts.changePassword({
    accountId: data.accountId,
    passwordHash,
    requestId: `first-sign-in:${conversation}:${event}`,
    actor: `customer:${channel}`,
    details: { reason: 'temporary', channel },
    replacingTemporaryAt: data.generation,
  });
  // The temporary password was replaced (or expired) since it was typed here: it no longer counts.
  if (!changed) return backTo('contact', {}, [say(t('signin.wrong'))]);
  const signIn = await services.sessions.open(data.accountId, changed.generation, {
    conversation,
    channel,
    event,
  });
  if (!signIn) return backTo('contact', {}, [say(t('signin.wrong'))]);
  return { to: 'done', say: [say(t('signin.password_changed'))], signIn, completed: true };
}
