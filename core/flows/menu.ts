import { column, defineFlow, type Flow, type FlowName, same, say } from '../flow';
import type { MessageKey } from '../i18n';

/** Menu items and the flows behind them; an item whose flow is not installed yet says so. */
const items: [value: string, label: MessageKey, flow: FlowName][] = [
  ['register', 'menu.register', 'registration'],
  ['forgot_password', 'menu.forgot_password', 'password-reset'],
  ['confirm_identity', 'menu.confirm_identity', 'identity'],
  ['my_account', 'menu.my_account', 'account'],
];

export const menuFlow: Flow = defineFlow<unknown, Record<string, never>, 'choose'>({
  name: 'menu',
  first: 'choose',
  steps: {
    choose: {
      ask: ({ t }) => ({
        text: t('menu.prompt'),
        options: column(t, [
          ...items.map(([value, label]): [string, MessageKey] => [value, label]),
          ['language', 'menu.language'],
        ]),
      }),
      handle(answer, { t, preset, hasFlow, account }) {
        if (answer.type !== 'choice') return same('error.choose_option');
        if (answer.value === 'language') return { to: 'command', name: 'language' };
        if (answer.value === 'register' && account && hasFlow('account')) {
          return { to: 'flow', flow: 'account', say: [say(t('menu.already_registered'))] };
        }
        const item = items.find(([value]) => value === answer.value);
        if (item && hasFlow(item[2])) return { to: 'flow', flow: item[2] };
        return same('menu.coming_soon', { item: t(item?.[1] ?? 'menu.prompt'), support: preset.support });
      },
    },
  },
});
