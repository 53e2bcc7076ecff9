import type { ZodType } from 'zod';
import type { GlobalCommand } from './commands';
import type { Locale, MessageKey, Translate } from './i18n';
import type { AnswerKind, ChannelName, Option, Outbound } from './messages';
import type { InsurerPreset } from './presets';
import type { SignedIn } from './sessions';

/** Collected answers of the current flow; serialisable, never a secret in clear. */
export type FlowData = Record<string, string | number | boolean | null>;

/** The installed flows' names: a flow handing over to another names it here. */
export type FlowName =
  | 'menu'
  | 'registration'
  | 'sign-in'
  | 'password-reset'
  | 'identity'
  | 'profile'
  | 'account';

/** What a step sees: the customer's language, the insurer, what was collected (typed per flow), the services. */
export interface StepContext<S = unknown, D extends FlowData = FlowData> {
  t: Translate;
  locale: Locale;
  preset: InsurerPreset;
  /** What the flow collected so far: any field may still be missing (a correction, /back, a new flow). */
  data: Readonly<Partial<D>>;
  /** The account this conversation registered or signed in to, or null. */
  account: string | null;
  /** The session holding `account` (core/sessions.ts), or null. */
  session: string | null;
  /** The channel the customer writes from, for the audit trail and notices. */
  channel: ChannelName;
  /** This conversation's id: who asked, for per-conversation limits and one-time codes. */
  conversation: string;
  /** Who is writing as far as the channel can tell (a web client's address, a Telegram user), for per-client limits. */
  client: string;
  /**
   * The event being handled: the idempotency key of whatever the step asks a service to do, so a turn that
   * runs again (a redelivery, a lost compare-and-set) has each effect once.
   */
  event: string;
  services: S;
  /** Milliseconds since the epoch, from the engine's clock. */
  now: number;
  /** Whether a flow of that name is installed (menu items of flows still to come say so honestly). */
  hasFlow(name: FlowName): boolean;
}

/** The question a step asks; the engine renders it with buttons, a contact or a file request. */
export interface Prompt {
  text: string;
  /** Fixed choices; a typed answer matching a label counts as that choice. */
  options?: Option[][];
  request?: { type: 'contact'; button: string } | { type: 'file'; accept: 'image' };
  /** Said before the question. */
  before?: Outbound[];
}

/** A step's answer as the engine hands it over, after validation. */
export type Answer<T = string> =
  | { type: 'text'; value: T }
  | { type: 'choice'; value: string }
  | { type: 'contact'; phone: string; ownedBySender: boolean }
  | {
      type: 'file';
      name: string;
      mime: string;
      size: number;
      fetch: () => Promise<Uint8Array | 'too_large'>;
    };

/** Why an answer was not taken: a message key (an error code) the engine says in the customer's language. */
export interface Refusal {
  key: MessageKey;
  vars?: Record<string, string | number>;
}

/** Where the conversation goes after an answer; `K` names the flow's steps, `D` its data. */
export type Transition<D extends FlowData = FlowData, K extends string = string> =
  /**
   * Ask the same question again after saying why the answer was not accepted, or with `news`, what happened (a
   * code sent again: not a refusal, neither shown nor counted as one); `set` keeps what the refusal changes (a
   * count of tries).
   */
  | { to: 'same'; error: Refusal; set?: Partial<D>; news?: true }
  /** Go on to another step of this flow, remembering this one for /back. */
  | { to: 'step'; step: K; set?: Partial<D>; say?: Outbound[] }
  /** Return to an earlier step of this flow, forgetting the steps after it (a correction). */
  | { to: 'back'; step: K; set?: Partial<D>; say?: Outbound[] }
  /**
   * Start another flow from its first step; its collected data starts empty. `signIn` attaches an account to the
   * conversation (null detaches it). `enter` starts it further on, with what it would have collected by then (a
   * flow handing over what the customer already proved, so they are not asked again).
   */
  | {
      to: 'flow';
      flow: FlowName;
      say?: Outbound[];
      signIn?: SignedIn | null;
      enter?: { step: string; data: FlowData };
    }
  /** Run a global command (/language from a menu button). */
  | { to: 'command'; name: GlobalCommand }
  /**
   * The flow is over: say this and return to the menu, signed in (or out) if `signIn` says so. `completed`: it
   * reached its end (an account made, a sign-in, a profile saved), counted as finished in the funnel; without it
   * the customer left for the menu.
   */
  | { to: 'done'; say: Outbound[]; signIn?: SignedIn | null; completed?: true };

/** One question of a flow whose steps are named `K` and whose data is `D`; `T` is what its text parses to. */
export interface Step<S = unknown, T = string, D extends FlowData = FlowData, K extends string = string> {
  ask(ctx: StepContext<S, D>): Prompt | Promise<Prompt>;
  /** For free-text steps: validates and normalises the text; each issue's message is a MessageKey (`because`). */
  text?: ZodType<T>;
  /** The answer holds a secret (a password): never stored or logged, deleted from the chat, masked on screen. */
  secret?: boolean;
  /** The kind of answer typed here, for a channel's keyboard and autofill. */
  expects?: AnswerKind;
  /** Which non-text answers the step takes besides its options. */
  accepts?: ('contact' | 'file')[];
  handle(answer: Answer<T>, ctx: StepContext<S, D>): Transition<D, K> | Promise<Transition<D, K>>;
}

export interface Flow<S = unknown, D extends FlowData = FlowData, K extends string = string> {
  name: FlowName;
  first: NoInfer<K>;
  // biome-ignore lint/suspicious/noExplicitAny: each step parses its own text type
  steps: { [P in K]: Step<S, any, D, K> };
  /** Steps counted in "Step 3 of 8", in the order the customer meets them. */
  progress?: NoInfer<K>[];
  /**
   * The flow the customer's journey goes on to when this one ends (registration, then the profile): the steps of
   * both are counted as one journey, so "Step 8 of 16" is followed by "Step 9 of 16", not by "Step 1 of 8".
   */
  leadsTo?: FlowName;
  /**
   * Whether /cancel here would drop answers worth a question first ("Discard your answers?"): e.g. a profile
   * whose summary the customer has seen.
   */
  cancelAsks?: (data: Partial<D>) => boolean;
}

/** A flow, checked against its data and step names; the engine sees every flow alike. */
export const defineFlow = <S, D extends FlowData = FlowData, K extends string = string>(
  flow: Flow<S, D, K>,
): Flow<S> => flow as unknown as Flow<S>;

/**
 * The moves of one flow, typed by its data `D` and step names `K`: `goTo('phnoe')` does not compile, nor does
 * setting a field the flow does not have.
 */
export function flowMoves<D extends FlowData, K extends string>() {
  return {
    goTo: (step: K, set?: Partial<D>, say?: Outbound[]): Transition<D, K> => ({ to: 'step', step, set, say }),
    backTo: (step: K, set?: Partial<D>, say?: Outbound[]): Transition<D, K> => ({
      to: 'back',
      step,
      set,
      say,
    }),
  };
}

/** Helpers that read like the conversation. */
export const same = (
  error: MessageKey | Refusal,
  vars?: Refusal['vars'],
): { to: 'same'; error: Refusal } => ({
  to: 'same',
  error: typeof error === 'string' ? { key: error, vars } : error,
});
/** Ask the same question again after saying what happened: news, not a refusal (`same` for a refusal). */
export const tell = (
  key: MessageKey,
  vars?: Refusal['vars'],
): { to: 'same'; error: Refusal; news: true } => ({ to: 'same', error: { key, vars }, news: true });
export const say = (text: string): Outbound => ({ type: 'text', text });

/** A zod issue's message, typed: a key of the catalogue, translated when the answer is refused. */
export const because = (key: MessageKey): MessageKey => key;

/** Buttons one per row, labelled from message keys. */
export const column = (t: Translate, items: [value: string, label: MessageKey][]): Option[][] =>
  items.map(([value, label]) => [{ value, label: t(label) }]);
