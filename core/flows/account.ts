import { formatPhone } from '../contacts';
import { column, defineFlow, type Prompt, type StepContext, same } from '../flow';
import type { Services } from '../services';

/** "My account": what the customer has. Policies stay hidden until the profile is complete (seed 000, step 5). */
export const accountFlow = defineFlow<Services, Record<string, never>, 'overview'>({
  name: 'account',
  first: 'overview',
  steps: {
    overview: {
      ask: overview,
      handle(answer) {
        if (answer.type === 'choice' && answer.value === 'profile') return { to: 'flow', flow: 'profile' };
        if (answer.type === 'choice' && answer.value === 'menu') return { to: 'done', say: [] };
        return same('error.choose_option');
      },
    },
  },
});

async function overview({ t, account, services }: StepContext<Services>): Promise<Prompt> {
  const found = account ? await services.accounts.overview(account) : null;
  if (!found) return { text: t('account.not_registered'), options: column(t, [['menu', 'account.menu']]) };
  const text = t('account.overview', {
    email: found.account.email,
    phone: formatPhone(found.account.phone),
    profile: t(found.profileComplete ? 'account.profile.complete' : 'account.profile.incomplete'),
    identity: t('account.identity.unconfirmed'),
    policies: t(found.profileComplete ? 'account.policies.none' : 'account.policies.hidden'),
  });
  const options = found.profileComplete
    ? column(t, [['menu', 'account.menu']])
    : column(t, [
        ['profile', 'account.complete_profile'],
        ['menu', 'account.menu'],
      ]);
  return { text, options };
}
