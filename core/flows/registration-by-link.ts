import { formatPhone } from '../contacts';
import { column, defineFlow, flowMoves, type StepContext, same, say, type Transition } from '../flow';
import type { Services } from '../services';
import { contactsTaken, emailStep, phoneStep } from './contact-steps';
import { codeStep, sendFirstCode } from './verification';

/** What registration by activation link collects: the two contacts, nothing secret. */
type LinkRegistrationData = {
  email: string;
  /** E.164. */
  phone: string;
  /** Where a correction goes back to. */
  returnTo: 'confirm' | null;
  /** Random per registration, drawn when the code is sent: names the link and password derived for it. */
  nonce: string;
};

type LinkRegistrationStep = 'email' | 'phone' | 'confirm' | 'phone_code' | 'already_exists';

type LinkRegistration = StepContext<Services, LinkRegistrationData>;

const { goTo, backTo } = flowMoves<LinkRegistrationData, LinkRegistrationStep>();

/**
 * Registration, preset "activation-link" (Victoria's instructions): e-mail and phone only, echoed back for a last
 * correction (the seed warns twice that a typo makes registration impossible), "Register", one SMS code; then
 * the account exists, waiting for the link e-mailed with a temporary password.
 */
export const registrationByLinkFlow = defineFlow<Services, LinkRegistrationData, LinkRegistrationStep>({
  name: 'registration',
  first: 'email',
  progress: ['email', 'phone', 'confirm', 'phone_code'],
  steps: {
    email: emailStep('phone'),
    phone: phoneStep('confirm'),

    confirm: {
      ask: ({ t, data, preset }) => ({
        text: t('vreg.confirm.ask', {
          email: String(data.email),
          phone: formatPhone(String(data.phone)),
          url: preset.agreement.url,
        }),
        options: column(t, [
          ['register', 'vreg.register'],
          ['change_email', 'reg.confirm.change_email'],
          ['change_phone', 'reg.confirm.change_phone'],
        ]),
      }),
      async handle(answer, ctx) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'change_email') return goTo('email', { returnTo: 'confirm' });
        if (answer.value === 'change_phone') return goTo('phone', { returnTo: 'confirm' });
        if (!ctx.data.email) return goTo('email', { returnTo: 'confirm' });
        if (!ctx.data.phone) return goTo('phone', { returnTo: 'confirm' });
        // Whether the contacts are taken is said only once the phone is proven by its code (createAccount): to
        // anyone typing others' contacts the answer would tell who is a customer.
        const nonce = crypto.randomUUID();
        return sendFirstCode(ctx, 'phone', ctx.data.phone, 'register', 'phone_code', [], { nonce });
      },
    },

    phone_code: codeStep<LinkRegistrationData, LinkRegistrationStep>({
      channel: 'phone',
      purpose: 'register',
      changeAt: 'phone',
      changing: { returnTo: 'confirm' },
      confirmed: createAccount,
    }),

    already_exists: {
      ask: ({ t }) => ({
        text: t('vreg.already_exists'),
        options: column(t, [
          ['sign_in', 'menu.sign_in'],
          ['reset', 'reg.already.reset'],
          ['other', 'reg.already.other_contacts'],
        ]),
      }),
      handle(answer): Transition<LinkRegistrationData, LinkRegistrationStep> {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'sign_in') return { to: 'flow', flow: 'sign-in' };
        if (answer.value === 'reset') return { to: 'flow', flow: 'password-reset' };
        return backTo('email', { returnTo: 'confirm' });
      },
    },
  },
});

/**
 * The phone is proven: the account is made waiting for activation, with a temporary password, and the e-mail
 * with the link goes out after the turn. Derived from this turn, so a re-run makes the same link and password.
 */
async function createAccount(
  ctx: LinkRegistration,
): Promise<Transition<LinkRegistrationData, LinkRegistrationStep>> {
  const { t, data, now, preset, channel, services, conversation, event, locale } = ctx;
  if (!data.email || !data.phone) return backTo('email', { returnTo: 'confirm' });
  // The seed: a cabinet made automatically after an online purchase needs no registration. Told now that the
  // phone is proven, before a link and password are made for nothing. The e-mail is not proven, so the answer
  // spends the code: whoever types others' e-mails pays an SMS to their own phone for each one asked about.
  if (await contactsTaken(services, data.email, data.phone)) {
    await services.codes.spend('register', data.phone, conversation);
    return goTo('already_exists');
  }
  // Drawn by us, kept in the state: a re-run turn derives the same link, and no id a client chose enters it.
  const origin = `register|${data.nonce ?? `${conversation}|${event}`}`;
  const { password, pending } = await services.activation.pending(origin, [data.email, data.phone], {
    conversationId: conversation,
    channel,
  });
  const created = await services.accounts.createAccount({
    email: data.email,
    phone: data.phone,
    passwordHash: await services.passwords.hash(password),
    // Pressing "Register" under the agreement's link is the consent the confirmation asked for.
    consent: { agreementVersion: preset.agreement.version, acceptedAt: new Date(now) },
    // The phone is proven by its code; the e-mail will be by the link (the records leave it unproven till then).
    contactsVerifiedAt: new Date(now),
    actor: `customer:${channel}`,
    activation: pending,
  });
  if (!created.ok) {
    await services.codes.spend('register', data.phone, conversation);
    return goTo('already_exists');
  }
  await services.activation.send({
    accountId: created.value.id,
    email: data.email,
    phone: data.phone,
    origin,
    locale,
  });
  return { to: 'done', say: [say(t('vreg.created', { email: data.email }))], completed: true };
}
