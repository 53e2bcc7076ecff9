import type { ZodType } from 'zod';
import type { Locale, MessageKey, Translate } from './i18n';
import type { ChannelName, Option, Outbound } from './messages';
import type { InsurerPreset } from './presets';

/** Collected answers of the current flow; serialisable, never a secret in clear. */
export type FlowData = Record<string, string | number | boolean | null>;

/** What a step sees: the customer's language, the insurer, what was collected, the services. */
export interface StepContext<S = unknown> {
  t: Translate;
  locale: Locale;
  preset: InsurerPreset;
  data: Readonly<FlowData>;
  /** The account this conversation registered or signed in to, or null. */
  account: string | null;
  /** The channel the customer writes from, for the audit trail and notices. */
  channel: ChannelName;
  /** This conversation's id: who asked, for per-conversation limits and one-time codes. */
  conversation: string;
  /**
   * The event being handled: the idempotency key of whatever the step asks a service to do, so a turn that
   * runs again (a redelivery, a lost compare-and-set) has each effect once.
   */
  event: string;
  services: S;
  /** Milliseconds since the epoch, from the engine's clock. */
  now: number;
  /** Whether a flow of that name is installed (menu items of flows still to come say so honestly). */
  hasFlow(name: string): boolean;
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
  | { type: 'file'; name: string; mime: string; size: number; fetch: () => Promise<Uint8Array> };

/** Where the conversation goes after an answer. */
export type Transition =
  /** Ask the same question again after saying why the answer was not accepted (or what happened). */
  | { to: 'same'; error: string }
  /** Go on to another step of this flow, remembering this one for /back. */
  | { to: 'step'; step: string; set?: FlowData; say?: Outbound[] }
  /** Return to an earlier step of this flow, forgetting the steps after it (a correction). */
  | { to: 'back'; step: string; set?: FlowData; say?: Outbound[] }
  /** Start another flow from its first step; its collected data starts empty. */
  | { to: 'flow'; flow: string; say?: Outbound[]; account?: string }
  /** Run a global command (/language from a menu button). */
  | { to: 'command'; name: string }
  /** The flow is over: say this and return to the menu. */
  | { to: 'done'; say: Outbound[] };

export interface Step<S = unknown, T = string> {
  ask(ctx: StepContext<S>): Prompt | Promise<Prompt>;
  /** For free-text steps: validates and normalises the text; each issue's message is a MessageKey. */
  text?: ZodType<T>;
  /** The answer holds a secret (a password): never stored or logged, deleted from the chat, masked on screen. */
  secret?: boolean;
  /** Which non-text answers the step takes besides its options. */
  accepts?: ('contact' | 'file')[];
  handle(answer: Answer<T>, ctx: StepContext<S>): Transition | Promise<Transition>;
}

export interface Flow<S = unknown> {
  name: string;
  first: string;
  // biome-ignore lint/suspicious/noExplicitAny: each step parses its own text type
  steps: Record<string, Step<S, any>>;
  /** Steps counted in "Step 3 of 8", in the order the customer meets them. */
  progress?: string[];
}

export const defineFlow = <S>(flow: Flow<S>): Flow<S> => flow;

/** Helpers that read like the conversation. */
export const same = (error: string): Transition => ({ to: 'same', error });
export const goTo = (step: string, set?: FlowData, say?: Outbound[]): Transition => ({
  to: 'step',
  step,
  set,
  say,
});
export const backTo = (step: string, set?: FlowData, say?: Outbound[]): Transition => ({
  to: 'back',
  step,
  set,
  say,
});
export const say = (text: string): Outbound => ({ type: 'text', text });

/** Buttons one per row, labelled from message keys. */
export const column = (t: Translate, items: [value: string, label: MessageKey][]): Option[][] =>
  items.map(([value, label]) => [{ value, label: t(label) }]);
