import type { FlowData } from '../flow';
import type { SignedIn } from '../sessions';
import { BACK_LIMIT, type ConversationState, pushBounded } from '../state';

/**
 * Where a conversation goes, as pure functions of its state: no I/O, no translations. Each move counts a turn,
 * so buttons shown before it are refused afterwards.
 */

/**
 * Adds a step's answers to the flow's data in place. Safe because every turn works on state decoded afresh
 * from the store, and it keeps a long form's step O(answers added), not O(answers collected).
 */
export const withAnswers = (data: FlowData, set: Partial<FlowData> | undefined): FlowData =>
  set ? Object.assign(data, set) : data;

/** Moves to `flow/step`, remembering where we were for /back when `remember`; another flow starts with empty data. */
export function moveTo(
  state: ConversationState,
  flow: string,
  step: string,
  remember: boolean,
): ConversationState {
  const back = remember ? pushBounded(state.back, `${state.flow}/${state.step}`, BACK_LIMIT) : state.back;
  if (flow === state.flow) return { ...state, step, back, turn: state.turn + 1 };
  // Another flow starts afresh, and on a journey of its own unless the caller says it continues one.
  const { journey: _, ...rest } = state;
  return { ...rest, flow, step, data: {}, back, turn: state.turn + 1 };
}

/** The home flow's first step, with nothing collected and nothing to go back to. */
export const toHome = (
  { journey: _, ...state }: ConversationState,
  home: { flow: string; step: string },
): ConversationState => ({
  ...state,
  flow: home.flow,
  step: home.step,
  data: {},
  back: [],
  turn: state.turn + 1,
});

/**
 * /back: the previous question of this flow, or the menu; null when there is none to go to. The steps of a
 * finished flow (registration, seen from the profile) have nothing left to answer, and their data is gone.
 */
export function stepBack(
  state: ConversationState,
  home: string,
  exists: (position: string) => boolean,
): ConversationState | null {
  const previous = state.back.at(-1);
  const [flow = '', step = ''] = previous?.split('/') ?? [];
  if (!previous || !exists(previous) || (flow !== state.flow && flow !== home)) return null;
  return { ...moveTo(state, flow, step, false), back: state.back.slice(0, -1) };
}

/** Returns to an earlier step of this flow (a correction), forgetting the steps after it for /back. */
export function returnTo(
  state: ConversationState,
  step: string,
  set: Partial<FlowData> | undefined,
): ConversationState {
  const at = state.back.lastIndexOf(`${state.flow}/${step}`);
  const moved = moveTo(state, state.flow, step, false);
  const back = at >= 0 ? state.back.slice(0, at) : state.back;
  return { ...moved, back, data: withAnswers(moved.data, set) };
}

/** Attaches an account and its session to the conversation (null detaches; undefined leaves it as it is). */
export const signedIn = (state: ConversationState, signIn: SignedIn | null | undefined): ConversationState =>
  signIn === undefined
    ? state
    : { ...state, account: signIn?.account ?? null, session: signIn?.session ?? null };
