import type { FlowName } from '../flow';
import type { Translate } from '../i18n';
import { localeNames } from '../i18n';
import type { Outbound } from '../messages';
import type { InsurerPreset } from '../presets';
import type { Sessions } from '../sessions';
import type { ConversationState } from '../state';
import type { Asking, Where } from './asking';
import type { FlowCatalogue } from './catalogue';
import { moveTo, signedIn, stepBack, toHome } from './navigation';

/** A button of the language picker carries this before the language code. */
export const LANGUAGE_CHOICE = 'lang:';
/** The buttons of "Discard your answers?", asked by /cancel where a flow has answers worth keeping. */
export const CANCEL_CHOICE = { discard: 'cancel:discard', keep: 'cancel:keep' } as const;

export interface CommandDeps<S> {
  catalogue: FlowCatalogue<S>;
  preset: InsurerPreset;
  askingFor(state: ConversationState, where: Where): Asking<S>;
  greet(state: ConversationState, where: Where): Promise<Outbound[]>;
  sessions?: Sessions;
}

/**
 * The global commands, the same at every step of every flow: /start /cancel /back /help /language, and the
 * account's: /login, /reset (a forgotten password), /logout.
 */
export async function runCommand<S>(
  name: string,
  state: ConversationState,
  t: Translate,
  where: Where,
  deps: CommandDeps<S>,
): Promise<{ state: ConversationState; out: Outbound[] }> {
  const { catalogue, preset } = deps;
  const here = () => deps.askingFor(state, where);
  /** Starts a flow from its first question, or says it is not in the chat yet. */
  const start = async (flow: FlowName) => {
    if (!catalogue.hasFlow(flow))
      return here().sayAndAsk(t('command.coming_soon', { support: preset.support }));
    const first = catalogue.flow(flow)?.first ?? '';
    const next = moveTo(state, flow, first, true);
    return { state: next, out: await deps.askingFor(next, where).ask() };
  };
  switch (name) {
    case 'start': {
      const next = toHome(state, catalogue.home);
      return { state: next, out: await deps.greet(next, where) };
    }
    case 'cancel': {
      // Asked, not done, where answers would be lost. The question is not a step (a typed answer still goes to
      // the step), but it counts a turn: its buttons are the live ones, and answered, they are spent.
      if (!catalogue.cancelAsks(state)) return cancel(state, t, where, deps);
      const asked = { ...state, turn: state.turn + 1 };
      const rows = [
        [{ value: CANCEL_CHOICE.discard, label: t('cancel.discard') }],
        [{ value: CANCEL_CHOICE.keep, label: t('cancel.keep') }],
      ];
      return {
        state: asked,
        out: [{ type: 'choices', text: t('cancel.confirm'), rows, nonce: String(asked.turn) }],
      };
    }
    case 'back': {
      const next = stepBack(state, catalogue.home.flow, catalogue.exists);
      if (!next) return here().sayAndAsk(t('back.nothing'));
      return { state: next, out: await deps.askingFor(next, where).ask() };
    }
    case 'help':
      return here().sayAndAsk(t('help', { support: preset.support }));
    case 'language': {
      const rows = preset.languages.map((l) => [{ value: `${LANGUAGE_CHOICE}${l}`, label: localeNames[l] }]);
      // Asked at a password step, the picker keeps the field masked: what is typed instead of a tap is a password.
      const masked = catalogue.stepOf(state)?.secret ? { secret: true } : {};
      return {
        state,
        out: [{ type: 'choices', text: t('language.prompt'), rows, nonce: String(state.turn), ...masked }],
      };
    }
    case 'login':
      return state.account ? here().sayAndAsk(t('signin.already')) : start('sign-in');
    case 'reset':
      return start('password-reset');
    case 'logout': {
      if (!state.account) return here().sayAndAsk(t('logout.not_signed_in'));
      if (state.session) await deps.sessions?.end(state.session);
      const next = signedIn(toHome(state, catalogue.home), null);
      return deps.askingFor(next, where).sayAndAsk(t('logout.done'));
    }
    default:
      return here().refuse('error.unknown_command', { command: `/${name}` });
  }
}

/** Drops the flow's answers and returns to the menu. */
export const cancel = <S>(state: ConversationState, t: Translate, where: Where, deps: CommandDeps<S>) =>
  deps.askingFor(toHome(state, deps.catalogue.home), where).sayAndAsk(t('cancel.done'));
