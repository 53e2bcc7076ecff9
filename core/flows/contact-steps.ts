import { z } from 'zod';
import { emailAnswer, readMobilePhone } from '../contacts';
import { type FlowData, flowMoves, type Step, same } from '../flow';
import type { InsurerPreset } from '../presets';
import type { Services } from '../services';

/** What a registration collects of the customer's contacts, and where a correction returns to. */
type WithContacts = { email: string; phone: string; returnTo: 'confirm' | null };

/** "Your e-mail": normalised, then on to `next`, or back to the confirmation after a correction. */
export function emailStep<D extends FlowData & WithContacts, K extends string>(
  next: K,
): Step<Services, string, D, K> {
  const { goTo } = flowMoves<D, K>();
  return {
    ask: ({ t }) => ({ text: t('reg.email.ask') }),
    expects: 'email',
    text: emailAnswer,
    handle: (answer, { data }) =>
      answer.type === 'text'
        ? goTo((data.returnTo as K | null | undefined) ?? next, {
            email: answer.value,
            returnTo: null,
          } as Partial<D>)
        : same('error.text_expected'),
  };
}

/**
 * "Your mobile phone": typed (read in the insurer's region) or shared with the channel's button, only the
 * sender's own; then on to `next`. `shared` adds what the flow keeps of whether the channel vouched for it.
 */
export function phoneStep<D extends FlowData & WithContacts, K extends string>(
  next: K,
  shared: (vouched: boolean, preset: InsurerPreset) => Partial<D> = () => ({}),
): Step<Services, string, D, K> {
  const { goTo } = flowMoves<D, K>();
  return {
    ask: ({ t }) => ({
      text: t('reg.phone.ask'),
      request: { type: 'contact', button: t('reg.phone.share') },
    }),
    expects: 'tel',
    text: z.string(),
    accepts: ['contact'],
    handle(answer, { preset, data }) {
      if (answer.type === 'contact' && !answer.ownedBySender) return same('reg.phone.not_yours');
      const typed = answer.type === 'contact' ? answer.phone : answer.type === 'text' ? answer.value : '';
      const phone = readMobilePhone(typed, preset.phoneRegion);
      if (!phone.ok) return same(`reg.phone.${phone.error}`);
      const set = {
        phone: phone.value,
        returnTo: null,
        ...shared(answer.type === 'contact', preset),
      } as Partial<D>;
      return goTo((data.returnTo as K | null | undefined) ?? next, set);
    },
  };
}

/** Whether either contact already belongs to an account (one lookup each, no account loaded). */
export async function contactsTaken(services: Services, email: string, phone: string): Promise<boolean> {
  const [byEmail, byPhone] = await Promise.all([
    services.accounts.credentials('email', email),
    services.accounts.credentials('phone', phone),
  ]);
  return byEmail !== null || byPhone !== null;
}
