import { formatPhone } from '../contacts';
import { column, defineFlow, flowMoves, type StepContext, same, say, type Transition, tell } from '../flow';
import type { Services } from '../services';
import { emailStep, phoneStep } from './contact-steps';
import { newPasswordSteps, openPasswordHash } from './new-password';
import { newPasswordAfterProof } from './password-reset';
import { codeStep, sendFirstCode } from './verification';

/** What registration collects. */
type RegistrationData = {
  email: string;
  /** E.164. */
  phone: string;
  /** Shared through the channel, which vouches for it: the SMS code may be skipped if the insurer allows. */
  phoneTrusted: boolean;
  /** The bcrypt hash, sealed under DATA_KEY for this conversation: a copy of Redis alone gives nothing to crack. */
  passwordHash: string | null;
  /** Epoch ms. */
  consentAt: number;
  /** Where a correction goes back to. */
  returnTo: 'confirm' | null;
  /** Which proven contact turned out registered (its owner may set a new password at once). */
  taken: 'email' | 'phone' | null;
};

type RegistrationStep =
  | 'email'
  | 'phone'
  | 'password'
  | 'password_repeat'
  | 'consent'
  | 'confirm'
  | 'email_code'
  | 'phone_code'
  | 'already_registered';

type Registration = StepContext<Services, RegistrationData>;

const { goTo, backTo } = flowMoves<RegistrationData, RegistrationStep>();

/** Where the password's sealed hash belongs (core/flows/new-password.ts). */
const PASSWORD_SEAL = 'registration.password';

const [password, passwordRepeat] = newPasswordSteps<RegistrationData, RegistrationStep>({
  ask: 'reg.password.ask',
  steps: ['password', 'password_repeat'],
  purpose: PASSWORD_SEAL,
  personal: ({ data }) => [String(data.email), String(data.phone)],
  next: () => goTo('consent'),
});

/**
 * Registration, preset "password-first" (Soglasie's instructions): e-mail, phone, password twice, consent, the
 * contacts echoed back for a last correction, an e-mail code, an SMS code; then the account and the profile.
 */
export const registrationFlow = defineFlow<Services, RegistrationData, RegistrationStep>({
  name: 'registration',
  first: 'email',
  leadsTo: 'profile',
  progress: [
    'email',
    'phone',
    'password',
    'password_repeat',
    'consent',
    'confirm',
    'email_code',
    'phone_code',
  ],
  steps: {
    email: emailStep('phone'),
    // A number the channel vouches for may skip the SMS code, if the insurer allows it.
    phone: phoneStep('password', (vouched, preset) => ({
      phoneTrusted: vouched && !preset.sharedPhoneNeedsCode,
    })),

    password,
    password_repeat: passwordRepeat,

    consent: {
      ask: ({ t, preset }) => ({
        text: t('reg.consent.ask', { url: preset.agreement.url }),
        options: column(t, [
          ['agree', 'reg.consent.agree'],
          ['decline', 'reg.consent.decline'],
        ]),
      }),
      handle: (answer, { now }) =>
        answer.type === 'choice' && answer.value === 'agree'
          ? goTo('confirm', { consentAt: now })
          : same('reg.consent.required'),
    },

    confirm: {
      ask: ({ t, data }) => ({
        text: t('reg.confirm.ask', { email: String(data.email), phone: formatPhone(String(data.phone)) }),
        options: column(t, [
          ['send', 'reg.confirm.ok'],
          ['change_email', 'reg.confirm.change_email'],
          ['change_phone', 'reg.confirm.change_phone'],
        ]),
      }),
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'change_email') return goTo('email', { returnTo: 'confirm' });
        if (answer.value === 'change_phone') return goTo('phone', { returnTo: 'confirm' });
        const missing = firstUnanswered(ctx.data);
        if (missing)
          return goTo(missing, { returnTo: missing === 'email' || missing === 'phone' ? 'confirm' : null });
        // Whether these contacts are taken is not said here: to anyone typing someone else's e-mail the answer
        // would tell who is a customer. The code goes out either way, and the question is answered to whoever
        // proves the contact (after its code), who owns it and may hear it.
        return sendFirstCode(ctx, 'email', String(ctx.data.email), 'register', 'email_code');
      },
    },

    email_code: codeStep<RegistrationData, RegistrationStep>({
      channel: 'email',
      purpose: 'register',
      changeAt: 'email',
      changing: { returnTo: 'confirm' },
      async confirmed(ctx) {
        // The e-mail is proven: its owner may hear that it is registered (and go on to a new password).
        if (await ctx.services.accounts.credentials('email', String(ctx.data.email)))
          return goTo('already_registered', { taken: 'email' });
        if (ctx.data.phoneTrusted) return createAccount(ctx);
        // The e-mail is proven either way: go on, and let the customer resend the SMS from there if need be.
        const confirmedEmail = say(ctx.t('reg.email_confirmed'));
        return sendFirstCode(ctx, 'phone', String(ctx.data.phone), 'register', 'phone_code', [
          confirmedEmail,
        ]);
      },
    }),

    phone_code: codeStep<RegistrationData, RegistrationStep>({
      channel: 'phone',
      purpose: 'register',
      changeAt: 'phone',
      changing: { returnTo: 'confirm' },
      confirmed: createAccount,
    }),

    already_registered: {
      ask: ({ t }) => ({
        text: t('reg.already_registered'),
        options: column(t, [
          ['reset', 'reg.already.reset'],
          ['other', 'reg.already.other_contacts'],
          ['menu', 'reg.already.menu'],
        ]),
      }),
      async handle(answer, { preset, hasFlow, data, services, conversation }) {
        if (answer.type !== 'choice') return same('error.choose_option');
        // Other contacts: the one that is taken is asked for again (the other one stands), then the confirmation.
        if (answer.value === 'other')
          return backTo(data.taken === 'phone' ? 'phone' : 'email', { returnTo: 'confirm', taken: null });
        if (answer.value === 'menu') return { to: 'done', say: [] };
        // The taken contact was proven by its code just now: straight to a new password, no second code — while
        // that code stands (10 minutes); after, the reset asks for a code of its own.
        const taken = data.taken ? String(data[data.taken] ?? '') : '';
        if (hasFlow('password-reset') && data.taken && taken)
          if (await services.codes.confirmed('register', taken, conversation))
            return newPasswordAfterProof(data.taken, taken);
        if (hasFlow('password-reset')) return { to: 'flow', flow: 'password-reset' };
        return tell('reg.reset_coming', { support: preset.support });
      },
    },
  },
});

/**
 * The first question still unanswered, or null. Corrections and /back can leave a gap (a password refused at
 * its repeat, then the customer went back further): codes are never sent, nor an account made, over a gap.
 */
function firstUnanswered(data: Registration['data']): 'email' | 'phone' | 'password' | 'consent' | null {
  if (!data.email) return 'email';
  if (!data.phone) return 'phone';
  if (!data.passwordHash) return 'password';
  if (!data.consentAt) return 'consent';
  return null;
}

/** Both contacts are proven: create the account in one transaction and go on to the profile. */
async function createAccount(ctx: Registration): Promise<Transition<RegistrationData, RegistrationStep>> {
  const { t, data, now, preset, channel, services, conversation } = ctx;
  const missing = firstUnanswered(data);
  if (missing) return goTo(missing);
  const created = await services.accounts.createAccount({
    email: String(data.email),
    phone: String(data.phone),
    passwordHash: await openPasswordHash(ctx, PASSWORD_SEAL),
    consent: { agreementVersion: preset.agreement.version, acceptedAt: new Date(Number(data.consentAt)) },
    contactsVerifiedAt: new Date(now),
    actor: `customer:${channel}`,
  });
  // A contact is taken (the phone, now proven by its code; or the e-mail, registered by someone since it was
  // proven): the seed's answer, told to the owner of both contacts, not an error.
  if (!created.ok)
    return goTo('already_registered', { taken: created.error === 'email_taken' ? 'email' : 'phone' });
  // A new account is at generation 0; a password reset in the milliseconds since would leave it signed out.
  const signIn = await services.sessions.open(created.value.id, 0, {
    conversation,
    channel,
    event: ctx.event,
  });
  if (!signIn)
    return { to: 'done', say: [say(t('reg.created')), say(t('reg.created_sign_in'))], completed: true };
  return { to: 'flow', flow: 'profile', signIn, say: [say(t('reg.created'))] };
}
