import { isGlobalCommand } from './commands';
import type { Answer, Flow, FlowData, Prompt, Step, StepContext, Transition } from './flow';
import { createTranslations, defaultLocale, type Locale, localeNames, locales, matchLocale } from './i18n';
import type { ChannelName, Inbound, Outbound } from './messages';
import type { InsurerPreset } from './presets';
import { hasOption, matchOption, renderPrompt } from './render';
import { BACK_LIMIT, type ConversationState, freshState, pushBounded } from './state';

/** A message's effect: the state to save and the replies to send. */
export interface Turn {
  state: ConversationState;
  out: Outbound[];
}

export interface ConversationOptions<S> {
  flows: Flow<S>[];
  home: string;
  services: S;
  preset: InsurerPreset;
  now: () => number;
  maxTextLength: number;
}

const LANGUAGE_CHOICE = 'lang:';

/** Whose turn it is: the conversation, its channel and the event being handled. */
interface Where {
  channel: ChannelName;
  conversationId: string;
  event: string;
}

/**
 * Adds a step's answers to the flow's data in place. Safe because every turn works on state decoded afresh
 * from the store, and it keeps a long form's step O(answers added), not O(answers collected).
 */
const withAnswers = (data: FlowData, set: FlowData | undefined): FlowData =>
  set ? Object.assign(data, set) : data;

/**
 * What one message does to one conversation: global commands, button checks, validation, the step's
 * transition. Knows nothing of storage: the engine loads the state before and saves it after.
 */
export function createConversation<S>(options: ConversationOptions<S>) {
  const { services, preset, home, now, maxTextLength } = options;
  const flows = new Map(options.flows.map((flow) => [flow.name, flow]));
  const translations = createTranslations();
  const homeStep = flows.get(home)?.first;
  if (!homeStep) throw new Error(`home flow "${home}" is not among the flows`);

  // Steps by "flow/step" in one Map: a lookup costs the same for a flow of 3 steps or 300.
  const steps = new Map<string, Step<S, unknown>>();
  for (const flow of options.flows) {
    for (const [name, step] of Object.entries(flow.steps)) steps.set(`${flow.name}/${name}`, step);
  }
  const stepOf = (state: ConversationState) => steps.get(`${state.flow}/${state.step}`);

  function contextFor(state: ConversationState, locale: Locale, where: Where): StepContext<S> {
    return {
      t: translations(locale),
      locale,
      preset,
      data: state.data,
      account: state.account,
      channel: where.channel,
      conversation: where.conversationId,
      event: where.event,
      services,
      now: now(),
      hasFlow: (name) => flows.has(name),
    };
  }

  async function promptOf(state: ConversationState, locale: Locale, where: Where): Promise<Prompt> {
    const step = stepOf(state);
    if (!step) throw new Error(`no step ${state.flow}/${state.step}`);
    const prompt = await step.ask(contextFor(state, locale, where));
    const progress = flows.get(state.flow)?.progress;
    const at = progress?.indexOf(state.step) ?? -1;
    if (!progress || at < 0) return prompt;
    const counter = translations(locale)('progress', { current: at + 1, total: progress.length });
    return { ...prompt, text: `${counter}\n${prompt.text}` };
  }

  const ask = async (state: ConversationState, locale: Locale, where: Where): Promise<Outbound[]> =>
    renderPrompt(await promptOf(state, locale, where), state.turn, stepOf(state)?.secret);

  const sayAndAsk = async (
    text: string,
    state: ConversationState,
    locale: Locale,
    where: Where,
  ): Promise<Turn> => ({
    state,
    out: [{ type: 'text', text }, ...(await ask(state, locale, where))],
  });

  async function greet(state: ConversationState, locale: Locale, where: Where): Promise<Outbound[]> {
    const greeting = translations(locale)('greeting', { insurer: preset.name[locale] });
    return [{ type: 'text', text: greeting }, ...(await ask(state, locale, where))];
  }

  /** Moves to `flow/step`, remembering where we were for /back; another flow starts with empty data. */
  function moveTo(
    state: ConversationState,
    flow: string,
    step: string,
    remember: boolean,
  ): ConversationState {
    const back = remember ? pushBounded(state.back, `${state.flow}/${state.step}`, BACK_LIMIT) : state.back;
    const data = flow === state.flow ? state.data : {};
    return { ...state, flow, step, data, back, turn: state.turn + 1 };
  }

  const toHome = (state: ConversationState): ConversationState => ({
    ...state,
    flow: home,
    step: homeStep,
    data: {},
    back: [],
    turn: state.turn + 1,
  });

  async function runCommand(
    name: string,
    state: ConversationState,
    locale: Locale,
    where: Where,
  ): Promise<Turn> {
    const t = translations(locale);
    switch (name) {
      case 'start': {
        const next = toHome(state);
        return { state: next, out: await greet(next, locale, where) };
      }
      case 'cancel': {
        const next = toHome(state);
        return sayAndAsk(t('cancel.done'), next, locale, where);
      }
      case 'back': {
        const previous = state.back.at(-1);
        const [flow = '', step = ''] = previous?.split('/') ?? [];
        // /back stays within the flow, or returns to the menu: the steps of a finished flow (registration, seen
        // from the profile) have nothing left to answer, and their data is gone.
        const crossesFlows = flow !== state.flow && flow !== home;
        if (!previous || !steps.has(previous) || crossesFlows)
          return sayAndAsk(t('back.nothing'), state, locale, where);
        const next = { ...moveTo(state, flow, step, false), back: state.back.slice(0, -1) };
        return { state: next, out: await ask(next, locale, where) };
      }
      case 'help':
        return sayAndAsk(t('help', { support: preset.support }), state, locale, where);
      case 'language': {
        const rows = locales.map((l) => [{ value: `${LANGUAGE_CHOICE}${l}`, label: localeNames[l] }]);
        return {
          state,
          out: [{ type: 'choices', text: t('language.prompt'), rows, nonce: String(state.turn) }],
        };
      }
      default:
        return sayAndAsk(t('error.unknown_command', { command: `/${name}` }), state, locale, where);
    }
  }

  /** Validates the message against the current step: an answer for the step, or the turn that refuses it. */
  async function readAnswer(
    inbound: Inbound,
    state: ConversationState,
    locale: Locale,
    where: Where,
  ): Promise<Answer<unknown> | Turn> {
    const t = translations(locale);
    const step = stepOf(state) as Step<S, unknown>;
    const prompt = await promptOf(state, locale, where);
    const refuse = (text: string) => sayAndAsk(text, state, locale, where);
    const wrongKind = () => refuse(t(prompt.options ? 'error.choose_option' : 'error.text_expected'));
    switch (inbound.type) {
      case 'choice':
        return hasOption(prompt, inbound.value) ? { type: 'choice', value: inbound.value } : wrongKind();
      case 'text': {
        const text = inbound.text.trim();
        if (text.length === 0) return refuse(t('error.text_empty'));
        if (text.length > maxTextLength) return refuse(t('error.text_too_long', { max: maxTextLength }));
        const chosen = matchOption(prompt, text);
        if (chosen) return { type: 'choice', value: chosen };
        if (!step.text) return wrongKind();
        const parsed = step.text.safeParse(text);
        if (!parsed.success)
          return refuse(t((parsed.error.issues[0]?.message ?? 'error.text_expected') as never));
        return { type: 'text', value: parsed.data };
      }
      case 'contact':
        if (!step.accepts?.includes('contact')) return wrongKind();
        return { type: 'contact', phone: inbound.phone, ownedBySender: inbound.ownedBySender };
      case 'file':
        if (!step.accepts?.includes('file')) return wrongKind();
        return {
          type: 'file',
          name: inbound.name,
          mime: inbound.mime,
          size: inbound.size,
          fetch: inbound.fetch,
        };
      default:
        return wrongKind();
    }
  }

  async function applyTransition(
    transition: Transition,
    state: ConversationState,
    locale: Locale,
    where: Where,
  ): Promise<Turn> {
    const said = 'say' in transition ? (transition.say ?? []) : [];
    const after = async (next: ConversationState): Promise<Turn> => ({
      state: next,
      out: [...said, ...(await ask(next, locale, where))],
    });
    switch (transition.to) {
      case 'same':
        return sayAndAsk(transition.error, state, locale, where);
      case 'step': {
        const moved = moveTo(state, state.flow, transition.step, true);
        return after({ ...moved, data: withAnswers(moved.data, transition.set) });
      }
      case 'back': {
        // Forget the steps after the one we return to, so /back from there goes where it went before.
        const mark = `${state.flow}/${transition.step}`;
        const at = state.back.lastIndexOf(mark);
        const moved = moveTo(state, state.flow, transition.step, false);
        const back = at >= 0 ? state.back.slice(0, at) : state.back;
        return after({ ...moved, back, data: withAnswers(moved.data, transition.set) });
      }
      case 'flow': {
        const flow = flows.get(transition.flow);
        if (!flow) throw new Error(`no flow ${transition.flow}`);
        const moved = moveTo(state, flow.name, flow.first, true);
        return after(transition.account ? { ...moved, account: transition.account } : moved);
      }
      case 'command':
        return runCommand(transition.name, state, locale, where);
      case 'done':
        return after(toHome(state));
    }
  }

  /** One message against one loaded state (null: a newcomer, or a conversation that expired). */
  async function runTurn(
    loaded: ConversationState | null,
    expired: boolean,
    inbound: Inbound,
  ): Promise<Turn> {
    const where: Where = {
      channel: inbound.channel,
      conversationId: inbound.conversationId,
      event: inbound.eventId ?? `turn:${crypto.randomUUID()}`,
    };
    const hinted = matchLocale(inbound.localeHint);
    if (!loaded) {
      const state = freshState(home, homeStep as string, hinted, now());
      const locale = state.locale ?? defaultLocale;
      const notice: Outbound[] = expired
        ? [{ type: 'text', text: translations(locale)('session.expired') }]
        : [];
      if (inbound.type === 'notification') {
        const t = translations(locale);
        notice.push({ type: 'text', text: t(inbound.notice.key, inbound.notice.vars) });
      }
      return { state, out: [...notice, ...(await greet(state, locale, where))] };
    }
    const state = { ...loaded, locale: loaded.locale ?? hinted };
    const locale = state.locale ?? defaultLocale;
    const t = translations(locale);
    if (inbound.type === 'open') return { state, out: await ask(state, locale, where) };
    // A notice leaves the customer where they were: the buttons shown before it keep working.
    if (inbound.type === 'notification')
      return sayAndAsk(t(inbound.notice.key, inbound.notice.vars), state, locale, where);
    if (inbound.type === 'command') return runCommand(inbound.name, state, locale, where);
    if (inbound.type === 'text' && inbound.text.trim().startsWith('/')) {
      const name = inbound.text.trim().slice(1).split(/[\s@]/)[0]?.toLowerCase() ?? '';
      // At a secret step only real commands are commands: "/Qwerty12" is a password, never echoed back.
      if (!stepOf(state)?.secret || isGlobalCommand(name)) return runCommand(name, state, locale, where);
    }
    if (inbound.type === 'choice') {
      if (inbound.nonce !== undefined && inbound.nonce !== String(state.turn)) {
        return sayAndAsk(t('error.stale_button'), state, locale, where);
      }
      if (inbound.value.startsWith(LANGUAGE_CHOICE)) {
        const chosen = matchLocale(inbound.value.slice(LANGUAGE_CHOICE.length)) ?? locale;
        return sayAndAsk(
          translations(chosen)('language.changed'),
          { ...state, locale: chosen },
          chosen,
          where,
        );
      }
    }
    const step = stepOf(state) as Step<S, unknown>;
    const answer = await readAnswer(inbound, state, locale, where);
    if ('state' in answer) return answer;
    return applyTransition(await step.handle(answer, contextFor(state, locale, where)), state, locale, where);
  }

  /** The apology for a failure on our side, in the customer's language. */
  const apology = (locale: Locale | null): Outbound[] => [
    {
      type: 'text',
      text: translations(locale ?? defaultLocale)('error.internal', { support: preset.support }),
    },
  ];

  return {
    runTurn,
    apology,
    /** A conversation at the start of the home flow. */
    fresh: (locale: Locale | null) => freshState(home, homeStep as string, locale, now()),
    isLive: (state: ConversationState) => stepOf(state) !== undefined,
    /** Whether the question the conversation stands at asks for a secret (a password). */
    asksForSecret: (state: ConversationState) => stepOf(state)?.secret === true,
  };
}
