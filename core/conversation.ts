import { isGlobalCommand } from './commands';
import { readAnswer } from './conversation/answer';
import { createAsking, type Where } from './conversation/asking';
import { createFlowCatalogue } from './conversation/catalogue';
import { CANCEL_CHOICE, cancel, LANGUAGE_CHOICE, runCommand } from './conversation/commands';
import { moveTo, returnTo, signedIn, toHome, withAnswers } from './conversation/navigation';
import type { Flow, Transition } from './flow';
import {
  createTranslations,
  defaultLocale,
  type Locale,
  type MessageKey,
  matchLocale,
  type Translate,
} from './i18n';
import type { Inbound, Notice, Outbound } from './messages';
import type { InsurerPreset } from './presets';
import type { Sessions, SignedIn } from './sessions';
import { type ConversationState, freshState } from './state';

/** A message's effect: the state to save and the replies to send. */
export interface Turn {
  state: ConversationState;
  out: Outbound[];
  /** The message key of why the answer was not taken, when it was not (for counting; never the answer). */
  refused?: MessageKey;
  /** The flow this message completed (its `done`, or its hand-over to the flow it leads to), for the funnel. */
  finished?: string;
}

export interface ConversationOptions<S> {
  flows: Flow<S>[];
  home: string;
  services: S;
  preset: InsurerPreset;
  now: () => number;
  maxTextLength: number;
  /** Checked at every message of a signed-in conversation; without it, sessions are not checked (engine tests). */
  sessions?: Sessions;
}

/**
 * What one message does to one conversation: the turn. It reads the message (a notice, a global command, a
 * button of this question or an answer to it), lets the step decide, and moves accordingly; the parts live in
 * conversation/ (where to go, the commands, reading an answer, asking a question). Knows nothing of storage:
 * the engine loads the state before and saves it after.
 */
export function createConversation<S>(options: ConversationOptions<S>) {
  const { preset, now, maxTextLength } = options;
  const catalogue = createFlowCatalogue(options.flows, options.home);
  const translations = createTranslations();
  const askingFor = createAsking({ catalogue, translations, preset, services: options.services, now });

  async function greet(state: ConversationState, where: Where): Promise<Outbound[]> {
    const greeting = translations(state.locale ?? defaultLocale)('greeting', {
      insurer: preset.name[state.locale ?? defaultLocale],
    });
    return [{ type: 'text', text: greeting }, ...(await askingFor(state, where).ask())];
  }

  const commandDeps = { catalogue, preset, askingFor, greet, sessions: options.sessions };

  /**
   * Attaches an account (null detaches it). A session the conversation held before ends: a chat signed in to one
   * account that resets another's password must not keep, or later resume, the first.
   */
  async function attach(state: ConversationState, signIn: SignedIn | null | undefined) {
    if (signIn !== undefined && state.session && state.session !== signIn?.session)
      await options.sessions?.end(state.session);
    return signedIn(state, signIn);
  }

  /** Where the step's decision takes the conversation, and what it says on the way. */
  async function follow(transition: Transition, state: ConversationState, where: Where): Promise<Turn> {
    const said = 'say' in transition ? (transition.say ?? []) : [];
    const arrive = async (next: ConversationState): Promise<Turn> => ({
      state: next,
      out: [...said, ...(await askingFor(next, where).ask())],
    });
    switch (transition.to) {
      case 'same': {
        const kept = { ...state, data: withAnswers(state.data, transition.set) };
        if (transition.news) {
          const t = translations(state.locale ?? defaultLocale);
          return askingFor(kept, where).sayAndAsk(t(transition.error.key, transition.error.vars));
        }
        return askingFor(kept, where).refuse(transition.error.key, transition.error.vars);
      }
      case 'step': {
        const moved = moveTo(state, state.flow, transition.step, true);
        return arrive({ ...moved, data: withAnswers(moved.data, transition.set) });
      }
      case 'back':
        return arrive(returnTo(state, transition.step, transition.set));
      case 'flow': {
        const flow = catalogue.flow(transition.flow);
        if (!flow) throw new Error(`no flow ${transition.flow}`);
        const { enter } = transition;
        if (enter && !Object.hasOwn(flow.steps, enter.step))
          throw new Error(`no step ${enter.step} in flow ${flow.name}`);
        const moved = moveTo(state, flow.name, enter?.step ?? flow.first, true);
        // The journey goes on (registration, then the profile): its progress keeps counting.
        const journey = catalogue.flow(state.flow)?.leadsTo === flow.name ? { journey: state.flow } : {};
        const entered = { ...moved, ...journey, data: { ...moved.data, ...enter?.data } };
        const turn = await arrive(await attach(entered, transition.signIn));
        return 'journey' in journey ? { ...turn, finished: state.flow } : turn;
      }
      case 'command':
        return runCommand(
          transition.name,
          state,
          translations(state.locale ?? defaultLocale),
          where,
          commandDeps,
        );
      case 'done':
        return {
          ...(await arrive(await attach(toHome(state, catalogue.home), transition.signIn))),
          ...(transition.completed ? { finished: state.flow } : {}),
        };
    }
  }

  /**
   * A newcomer, or a conversation that expired (`previous`): greeted afresh, told so, and told a notice it came
   * with. A Telegram chat stays signed in; an expired web chat's session ends with it (core/sessions.ts).
   */
  async function welcome(inbound: Inbound, previous: ConversationState | null, where: Where): Promise<Turn> {
    const fresh = freshState(
      catalogue.home.flow,
      catalogue.home.step,
      matchLocale(inbound.localeHint, preset.languages),
      now(),
    );
    const kept = await options.sessions?.resume(inbound.conversationId, inbound.channel);
    if (previous?.session && previous.session !== kept?.session)
      await options.sessions?.end(previous.session, 'expired');
    const state = signedIn(fresh, kept ?? undefined);
    const expired = previous !== null;
    const t = translations(state.locale ?? defaultLocale);
    const before: Outbound[] = expired ? [{ type: 'text', text: t('session.expired') }] : [];
    if (inbound.type === 'notification') before.push({ type: 'text', text: noticeText(t, inbound.notice) });
    return { state, out: [...before, ...(await greet(state, where))] };
  }

  /** One message against one loaded state (null: a newcomer; `expired`: idle past the limit). */
  async function runTurn(
    loaded: ConversationState | null,
    expired: boolean,
    inbound: Inbound,
  ): Promise<Turn> {
    const where: Where = {
      channel: inbound.channel,
      conversationId: inbound.conversationId,
      event: inbound.eventId ?? `turn:${crypto.randomUUID()}`,
      client: inbound.client ?? inbound.conversationId,
    };
    if (!loaded || expired) return welcome(inbound, loaded, where);
    const state = { ...loaded, locale: loaded.locale ?? matchLocale(inbound.localeHint, preset.languages) };
    const t = translations(state.locale ?? defaultLocale);
    // A session ended elsewhere (a password reset, "end other sessions") signs this conversation out now.
    const ended = state.account && options.sessions ? await options.sessions.ended(state) : null;
    if (ended) {
      const out = signedIn(toHome(state, catalogue.home), null);
      const why = t(`session.ended.${ended}`, { support: preset.support });
      // A notice arriving just then is still said.
      const notice = inbound.type === 'notification' ? `\n\n${noticeText(t, inbound.notice)}` : '';
      return askingFor(out, where).sayAndAsk(`${why}${notice}`);
    }
    const here = askingFor(state, where);
    const command = (name: string) => runCommand(name, state, t, where, commandDeps);
    switch (inbound.type) {
      case 'open':
        return { state, out: await here.ask() };
      case 'notification': {
        const text = noticeText(t, inbound.notice);
        // A customer resting at the menu is taken where the notice invites; one inside a flow keeps their place.
        const { flow } = inbound.notice;
        if (flow && state.flow === catalogue.home.flow && catalogue.flow(flow))
          return follow({ to: 'flow', flow, say: [{ type: 'text', text }] }, state, where);
        return here.sayAndAsk(text); // said between two turns: the buttons shown before it keep working
      }
      case 'command':
        return command(inbound.name);
      case 'text': {
        const typed = inbound.text.trim();
        const name = typed.startsWith('/') ? (typed.slice(1).split(/[\s@]/)[0]?.toLowerCase() ?? '') : null;
        // At a secret step only real commands are commands: "/Qwerty12" is a password, never echoed back.
        if (name !== null && (!catalogue.stepOf(state)?.secret || isGlobalCommand(name)))
          return command(name);
        break;
      }
      case 'choice': {
        if (inbound.nonce !== undefined && inbound.nonce !== String(state.turn))
          return here.refuse('error.stale_button');
        if (inbound.value.startsWith(LANGUAGE_CHOICE)) {
          const chosen =
            matchLocale(inbound.value.slice(LANGUAGE_CHOICE.length), preset.languages) ??
            state.locale ??
            defaultLocale;
          const switched = { ...state, locale: chosen };
          return askingFor(switched, where).sayAndAsk(
            translations(chosen ?? defaultLocale)('language.changed'),
          );
        }
        if (inbound.value === CANCEL_CHOICE.discard) return cancel(state, t, where, commandDeps);
        if (inbound.value === CANCEL_CHOICE.keep)
          return askingFor({ ...state, turn: state.turn + 1 }, where).sayAndAsk(t('cancel.kept'));
        break;
      }
    }
    const step = catalogue.stepOf(state);
    if (!step) throw new Error(`no step ${state.flow}/${state.step}`);
    const reading = readAnswer(inbound, step, await here.prompt(), maxTextLength);
    if (!reading.ok) return here.refuse(reading.refusal.key, reading.refusal.vars);
    return follow(await step.handle(reading.answer, here.ctx), state, where);
  }

  return {
    runTurn,
    /** The apology for a failure on our side, in the customer's language. */
    apology: (locale: Locale | null): Outbound[] => [
      {
        type: 'text',
        text: translations(locale ?? defaultLocale)('error.internal', { support: preset.support }),
      },
    ],
    /** A conversation at the start of the home flow. */
    fresh: (locale: Locale | null) => freshState(catalogue.home.flow, catalogue.home.step, locale, now()),
    isLive: (state: ConversationState) => catalogue.stepOf(state) !== undefined,
    /** Whether the question the conversation stands at asks for a secret (a password). */
    asksForSecret: (state: ConversationState) => catalogue.stepOf(state)?.secret === true,
  };
}

/** A notice in the customer's language, its message-valued variables translated first. */
function noticeText(t: Translate, notice: Notice): string {
  const terms = Object.entries(notice.terms ?? {}).map(([name, key]) => [name, t(key)]);
  return t(notice.key, { ...notice.vars, ...Object.fromEntries(terms) });
}
