import type { Answer, Flow, Prompt, Step, StepContext, Transition } from './flow';
import { createTranslations, defaultLocale, type Locale, localeNames, locales, matchLocale } from './i18n';
import type { Translate } from './i18n/catalogue';
import { createKeyedQueue } from './keyed-queue';
import { type Logger, silentLogger } from './logger';
import type { Inbound, Outbound } from './messages';
import type { StateStore } from './ports/state-store';
import type { InsurerPreset } from './presets';
import { hasOption, matchOption, renderPrompt } from './render';
import {
  BACK_LIMIT,
  type ConversationState,
  decodeState,
  encodeState,
  freshState,
  pushBounded,
  SEEN_LIMIT,
} from './state';

export interface EngineOptions<S> {
  flows: Flow<S>[];
  /** The flow a new conversation starts in and /cancel returns to. */
  home: string;
  store: StateStore;
  services: S;
  preset: InsurerPreset;
  /** Epoch milliseconds; tests pass a fixed clock. */
  now?: () => number;
  /** A conversation idle longer than this starts afresh. Seconds. */
  idleSeconds?: number;
  /** Longest text answer accepted, in characters. */
  maxTextLength?: number;
  logger?: Logger;
}

export interface Engine {
  /** Handles one message of a conversation and returns the replies; one state read and one write. */
  handle(inbound: Inbound): Promise<Outbound[]>;
}

/** Thrown when compare-and-set kept losing: another process is writing the same conversation in a loop. */
export class ConversationBusyError extends Error {
  override name = 'ConversationBusyError';
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} kept changing under us`);
  }
}

const CAS_ATTEMPTS = 5;
const LANGUAGE_CHOICE = 'lang:';

interface Turn {
  state: ConversationState;
  out: Outbound[];
}

export function createEngine<S>(options: EngineOptions<S>): Engine {
  const { store, services, preset, home } = options;
  const now = options.now ?? Date.now;
  const idleSeconds = options.idleSeconds ?? 24 * 60 * 60;
  const maxTextLength = options.maxTextLength ?? 2000;
  const logger = options.logger ?? silentLogger;
  const flows = new Map(options.flows.map((flow) => [flow.name, flow]));
  const translations = createTranslations();
  const enqueue = createKeyedQueue();
  if (!flows.has(home)) throw new Error(`home flow "${home}" is not among the flows`);

  const stepOf = (state: ConversationState): Step<S> | undefined => flows.get(state.flow)?.steps[state.step];
  const localeOf = (state: ConversationState, inbound: Inbound): Locale =>
    state.locale ?? matchLocale(inbound.localeHint) ?? defaultLocale;

  function contextFor(state: ConversationState, locale: Locale): StepContext<S> {
    return {
      t: translations(locale),
      locale,
      preset,
      data: state.data,
      services,
      now: now(),
      hasFlow: (name) => flows.has(name),
    };
  }

  const promptOf = (state: ConversationState, locale: Locale): Prompt => {
    const step = stepOf(state);
    if (!step) throw new Error(`no step ${state.flow}/${state.step}`);
    return step.ask(contextFor(state, locale));
  };
  const ask = (state: ConversationState, locale: Locale): Outbound[] =>
    renderPrompt(promptOf(state, locale), state.turn);
  const greet = (state: ConversationState, locale: Locale, t: Translate): Outbound[] => [
    { type: 'text', text: t('greeting', { insurer: preset.name[locale] }) },
    ...ask(state, locale),
  ];
  const sayAndAsk = (text: string, state: ConversationState, locale: Locale): Turn => ({
    state,
    out: [{ type: 'text', text }, ...ask(state, locale)],
  });

  /** Moves to `flow/step`, remembering where we were for /back. */
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

  function toHome(state: ConversationState): ConversationState {
    const first = flows.get(home)?.first ?? '';
    return { ...state, flow: home, step: first, data: {}, back: [], turn: state.turn + 1 };
  }

  function runCommand(name: string, state: ConversationState, locale: Locale): Turn {
    const t = translations(locale);
    switch (name) {
      case 'start': {
        const next = toHome(state);
        return { state: next, out: greet(next, locale, t) };
      }
      case 'cancel': {
        const next = toHome(state);
        return { state: next, out: [{ type: 'text', text: t('cancel.done') }, ...ask(next, locale)] };
      }
      case 'back': {
        const previous = state.back.at(-1);
        const [flow = '', step = ''] = previous?.split('/') ?? [];
        if (!previous || !flows.get(flow)?.steps[step]) return sayAndAsk(t('back.nothing'), state, locale);
        const next = { ...moveTo(state, flow, step, false), back: state.back.slice(0, -1) };
        return { state: next, out: ask(next, locale) };
      }
      case 'help':
        return sayAndAsk(t('help', { support: preset.support }), state, locale);
      case 'language': {
        const rows = locales.map((l) => [{ value: `${LANGUAGE_CHOICE}${l}`, label: localeNames[l] }]);
        return {
          state,
          out: [{ type: 'choices', text: t('language.prompt'), rows, nonce: String(state.turn) }],
        };
      }
      default:
        return sayAndAsk(t('error.unknown_command', { command: `/${name}` }), state, locale);
    }
  }

  /** Validates the message against the current step: an answer for the step, or the turn that refuses it. */
  function readAnswer(inbound: Inbound, state: ConversationState, locale: Locale): Answer<unknown> | Turn {
    const t = translations(locale);
    const step = stepOf(state) as Step<S, unknown>;
    const prompt = promptOf(state, locale);
    const refuse = (text: string) => sayAndAsk(text, state, locale);
    switch (inbound.type) {
      case 'choice':
        if (!hasOption(prompt, inbound.value)) return refuse(t('error.choose_option'));
        return { type: 'choice', value: inbound.value };
      case 'text': {
        const text = inbound.text.trim();
        if (text.length === 0) return refuse(t('error.text_empty'));
        if (text.length > maxTextLength) return refuse(t('error.text_too_long', { max: maxTextLength }));
        const chosen = matchOption(prompt, text);
        if (chosen) return { type: 'choice', value: chosen };
        if (!step.text) return refuse(t(prompt.options ? 'error.choose_option' : 'error.text_expected'));
        const parsed = step.text.safeParse(text);
        if (!parsed.success)
          return refuse(t((parsed.error.issues[0]?.message ?? 'error.text_expected') as never));
        return { type: 'text', value: parsed.data };
      }
      case 'contact':
      case 'file': {
        if (!step.accepts?.includes(inbound.type)) {
          return refuse(t(prompt.options ? 'error.choose_option' : 'error.text_expected'));
        }
        const { conversationId: _c, eventId: _e, messageId: _m, localeHint: _l, ...answer } = inbound;
        return answer;
      }
      default:
        return refuse(t('error.text_expected'));
    }
  }

  function applyTransition(transition: Transition, state: ConversationState, locale: Locale): Turn {
    switch (transition.to) {
      case 'same':
        return sayAndAsk(transition.error, state, locale);
      case 'step': {
        const moved = moveTo(state, state.flow, transition.step, true);
        const next = { ...moved, data: { ...moved.data, ...transition.set } };
        return { state: next, out: [...(transition.say ?? []), ...ask(next, locale)] };
      }
      case 'flow': {
        const flow = flows.get(transition.flow);
        if (!flow) throw new Error(`no flow ${transition.flow}`);
        const next = moveTo(state, flow.name, flow.first, true);
        return { state: next, out: [...(transition.say ?? []), ...ask(next, locale)] };
      }
      case 'command':
        return runCommand(transition.name, state, locale);
      case 'done': {
        const next = toHome(state);
        return { state: next, out: [...transition.say, ...ask(next, locale)] };
      }
    }
  }

  /** One message against one loaded state. Pure but for the step's own calls to services. */
  async function runTurn(
    loaded: ConversationState | null,
    expired: boolean,
    inbound: Inbound,
  ): Promise<Turn> {
    const hinted = matchLocale(inbound.localeHint);
    if (!loaded) {
      const state = freshState(home, flows.get(home)?.first ?? '', hinted, now());
      const locale = localeOf(state, inbound);
      const t = translations(locale);
      const notice: Outbound[] = expired ? [{ type: 'text', text: t('session.expired') }] : [];
      return { state, out: [...notice, ...greet(state, locale, t)] };
    }
    const state = { ...loaded, locale: loaded.locale ?? hinted };
    const locale = localeOf(state, inbound);
    const t = translations(locale);
    if (inbound.type === 'open') return { state, out: ask(state, locale) };
    if (inbound.type === 'command') return runCommand(inbound.name, state, locale);
    if (inbound.type === 'text' && inbound.text.trim().startsWith('/')) {
      const name = inbound.text.trim().slice(1).split(/[\s@]/)[0]?.toLowerCase() ?? '';
      return runCommand(name, state, locale);
    }
    if (inbound.type === 'choice') {
      if (inbound.nonce !== undefined && inbound.nonce !== String(state.turn)) {
        return sayAndAsk(t('error.stale_button'), state, locale);
      }
      if (inbound.value.startsWith(LANGUAGE_CHOICE)) {
        const chosen = matchLocale(inbound.value.slice(LANGUAGE_CHOICE.length)) ?? locale;
        const next = { ...state, locale: chosen };
        return sayAndAsk(translations(chosen)('language.changed'), next, chosen);
      }
    }
    const step = stepOf(state) as Step<S, unknown>;
    const answer = readAnswer(inbound, state, locale);
    if ('state' in answer) return answer;
    const turn = applyTransition(await step.handle(answer, contextFor(state, locale)), state, locale);
    // A secret (a password) leaves the chat as soon as it is read.
    if (step.secret && inbound.messageId)
      turn.out.unshift({ type: 'delete-message', messageId: inbound.messageId });
    return turn;
  }

  async function handleOnce(inbound: Inbound): Promise<Outbound[]> {
    const key = `conv:${inbound.conversationId}`;
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const stored = await store.get(key);
      let loaded = stored ? decodeState(stored.value) : null;
      if (loaded && !stepOf(loaded)) loaded = null; // a step that no longer exists: start afresh
      if (loaded && inbound.eventId && loaded.seen.includes(inbound.eventId)) return [];
      const expired = loaded !== null && now() - loaded.activeAt > idleSeconds * 1000;
      const turn = await runTurnSafely(expired ? null : loaded, expired, inbound);
      if (!turn) return apology(loaded, inbound);
      const seen = inbound.eventId
        ? pushBounded(turn.state.seen, inbound.eventId, SEEN_LIMIT)
        : turn.state.seen;
      const next = { ...turn.state, seen, activeAt: now() };
      // Kept past the idle limit so a returning customer is told their conversation expired.
      const ttl = idleSeconds * 2;
      const saved = await store.compareAndSet(key, stored?.version ?? 0, encodeState(next), ttl);
      if (saved !== null) return turn.out;
      logger.info('conversation changed concurrently, retrying', {
        conversationId: inbound.conversationId,
        attempt,
      });
    }
    throw new ConversationBusyError(inbound.conversationId);
  }

  /** A step that throws (an outage, a defect) leaves the state unsaved, so the customer keeps their place. */
  async function runTurnSafely(loaded: ConversationState | null, expired: boolean, inbound: Inbound) {
    try {
      return await runTurn(loaded, expired, inbound);
    } catch (error) {
      logger.error('step failed', {
        conversationId: inbound.conversationId,
        position: loaded ? `${loaded.flow}/${loaded.step}` : null,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return null;
    }
  }

  function apology(loaded: ConversationState | null, inbound: Inbound): Outbound[] {
    const locale = loaded?.locale ?? matchLocale(inbound.localeHint) ?? defaultLocale;
    return [{ type: 'text', text: translations(locale)('error.internal', { support: preset.support }) }];
  }

  return {
    handle: (inbound) => enqueue(inbound.conversationId, () => handleOnce(inbound)),
  };
}
