import type { Translate } from '../i18n';
import { localeNames, locales } from '../i18n';
import type { Outbound } from '../messages';
import type { InsurerPreset } from '../presets';
import type { ConversationState } from '../state';
import type { Asking, Where } from './asking';
import type { FlowCatalogue } from './catalogue';
import { stepBack, toHome } from './navigation';

/** A button of the language picker carries this before the language code. */
export const LANGUAGE_CHOICE = 'lang:';

export interface CommandDeps<S> {
  catalogue: FlowCatalogue<S>;
  preset: InsurerPreset;
  askingFor(state: ConversationState, where: Where): Asking<S>;
  greet(state: ConversationState, where: Where): Promise<Outbound[]>;
}

/** The global commands (/start /cancel /back /help /language), the same at every step of every flow. */
export async function runCommand<S>(
  name: string,
  state: ConversationState,
  t: Translate,
  where: Where,
  deps: CommandDeps<S>,
): Promise<{ state: ConversationState; out: Outbound[] }> {
  const { catalogue, preset } = deps;
  const here = () => deps.askingFor(state, where);
  switch (name) {
    case 'start': {
      const next = toHome(state, catalogue.home);
      return { state: next, out: await deps.greet(next, where) };
    }
    case 'cancel':
      return deps.askingFor(toHome(state, catalogue.home), where).sayAndAsk(t('cancel.done'));
    case 'back': {
      const next = stepBack(state, catalogue.home.flow, catalogue.exists);
      if (!next) return here().sayAndAsk(t('back.nothing'));
      return { state: next, out: await deps.askingFor(next, where).ask() };
    }
    case 'help':
      return here().sayAndAsk(t('help', { support: preset.support }));
    case 'language': {
      const rows = locales.map((l) => [{ value: `${LANGUAGE_CHOICE}${l}`, label: localeNames[l] }]);
      return {
        state,
        out: [{ type: 'choices', text: t('language.prompt'), rows, nonce: String(state.turn) }],
      };
    }
    default:
      return here().sayAndAsk(t('error.unknown_command', { command: `/${name}` }));
  }
}
