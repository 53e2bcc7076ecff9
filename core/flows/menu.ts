import { column, defineFlow, type Flow, type FlowName, same, say, tell } from '../flow';
import type { MessageKey } from '../i18n';

type MenuItem = [value: string, label: MessageKey, flow: FlowName];

/** What a guest can do: join, come back, recover a password. */
const guestItems: MenuItem[] = [
  ['register', 'menu.register', 'registration'],
  ['sign_in', 'menu.sign_in', 'sign-in'],
  ['forgot_password', 'menu.forgot_password', 'password-reset'],
  ['confirm_identity', 'menu.confirm_identity', 'identity'],
];

/** What a signed-in customer can do; signing out is the /logout command. */
const accountItems: MenuItem[] = [
  ['my_account', 'menu.my_account', 'account'],
  ['confirm_identity', 'menu.confirm_identity', 'identity'],
];

/** The menu, by whether the conversation holds an account; an item whose flow is not installed yet says so. */
export const menuFlow: Flow = defineFlow<unknown, Record<string, never>, 'choose'>({
  name: 'menu',
  first: 'choose',
  steps: {
    choose: {
      ask: ({ t, account }) => ({
        text: t('menu.prompt'),
        options: column(t, [
          ...(account ? accountItems : guestItems).map(([value, label]): [string, MessageKey] => [
            value,
            label,
          ]),
          ...(account ? [['sign_out', 'menu.sign_out'] as [string, MessageKey]] : []),
          ['language', 'menu.language'],
        ]),
      }),
      handle(answer, { t, preset, hasFlow, account }) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'language') return { to: 'command', name: 'language' };
        if (answer.value === 'sign_out') return { to: 'command', name: 'logout' };
        if ((answer.value === 'register' || answer.value === 'sign_in') && account) {
          return { to: 'flow', flow: 'account', say: [say(t('menu.already_registered'))] };
        }
        const item = [...guestItems, ...accountItems].find(([value]) => value === answer.value);
        if (item && hasFlow(item[2])) return { to: 'flow', flow: item[2] };
        return tell('menu.coming_soon', { item: t(item?.[1] ?? 'menu.prompt'), support: preset.support });
      },
    },
  },
});
