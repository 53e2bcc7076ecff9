import type { Prompt, StepContext } from '../flow';
import { defaultLocale, type Locale, type MessageKey, type Translate } from '../i18n';
import type { ChannelName, Outbound } from '../messages';
import type { InsurerPreset } from '../presets';
import { renderPrompt } from '../render';
import type { ConversationState } from '../state';
import type { FlowCatalogue } from './catalogue';

/** Whose turn it is: the conversation, its channel and the event being handled. */
export interface Where {
  channel: ChannelName;
  conversationId: string;
  event: string;
  /** Who is writing, as far as the channel tells (else the conversation). */
  client: string;
}

export interface AskingDeps<S> {
  catalogue: FlowCatalogue<S>;
  translations: (locale: Locale) => Translate;
  preset: InsurerPreset;
  services: S;
  now: () => number;
}

/** The current question of one state, as a step sees it (its context, built once) and as the customer does. */
export interface Asking<S> {
  ctx: StepContext<S>;
  prompt(): Promise<Prompt>;
  /** The question as messages, with the step's progress and buttons bound to this turn. */
  ask(): Promise<Outbound[]>;
  /** Says `text`, then asks the question again. */
  sayAndAsk(text: string): Promise<{ state: ConversationState; out: Outbound[] }>;
  /**
   * Says why the answer was not taken (the message `key`, in the state's language), then asks the question again;
   * the turn names the key as `refused` (counted per step; never what was typed).
   */
  refuse(
    key: MessageKey,
    vars?: Record<string, string | number>,
  ): Promise<{ state: ConversationState; out: Outbound[]; refused: MessageKey }>;
}

/** Builds the step context of a state once (in the state's language), and what asking its question needs. */
export function createAsking<S>(deps: AskingDeps<S>) {
  const { catalogue, translations, preset, services, now } = deps;

  return function askingFor(state: ConversationState, where: Where): Asking<S> {
    const locale = state.locale ?? defaultLocale;
    const t = translations(locale);
    const ctx: StepContext<S> = {
      t,
      locale,
      preset,
      data: state.data,
      account: state.account,
      session: state.session,
      channel: where.channel,
      conversation: where.conversationId,
      client: where.client,
      event: where.event,
      services,
      now: now(),
      hasFlow: catalogue.hasFlow,
    };
    let asked: Promise<Prompt> | undefined;
    const prompt = () => {
      asked ??= (async () => {
        const step = catalogue.stepOf(state);
        if (!step) throw new Error(`no step ${state.flow}/${state.step}`);
        const question = await step.ask(ctx);
        const progress = catalogue.progressOf(state);
        return progress ? { ...question, text: `${t('progress', progress)}\n${question.text}` } : question;
      })();
      return asked;
    };
    const ask = async () => renderPrompt(await prompt(), state.turn, catalogue.stepOf(state) ?? {});
    return {
      ctx,
      prompt,
      ask,
      sayAndAsk: async (text) => ({ state, out: [{ type: 'text', text }, ...(await ask())] }),
      refuse: async (key, vars) => ({
        state,
        out: [{ type: 'text', text: t(key, vars), refusal: true }, ...(await ask())],
        refused: key,
      }),
    };
  };
}
