import type { FlowName } from './flow';
import type { MessageKey } from './i18n';

/**
 * What travels between a channel (Telegram, web chat) and the engine.
 * Channels translate their own updates into `Inbound` and render `Outbound`; nothing here knows a transport.
 */

/** The channels customers write from; each has an outlet that delivers replies (see ports/outlet.ts). */
export const channels = ['web', 'tg'] as const;
export type ChannelName = (typeof channels)[number];

/** Something our own services tell a customer outside their request (a decision, an activation, a failed send). */
export interface Notice {
  key: MessageKey;
  vars?: Record<string, string | number>;
  /** Variables that are themselves messages (a reason, an image's name), said in the customer's language. */
  terms?: Record<string, MessageKey>;
  /** A flow the notice invites to: a conversation resting at the menu is taken there. */
  flow?: FlowName;
}

/** Where a message comes from: one conversation per chat, e.g. `web:<session>` or `tg:<chat id>`. */
export interface InboundBase {
  conversationId: string;
  channel: ChannelName;
  /** The channel's id for this delivery (Telegram `update_id`, a web client's message id); a repeat is handled once. */
  eventId?: string;
  /** Where the channel numbers events in the order they happened (Telegram's update_id): turns follow it. */
  order?: number;
  /** The channel's id of the customer's message, so a message holding a secret can be deleted. */
  messageId?: string;
  /** Who is writing, as far as the channel can tell (a web client's address, `tg-user:<id>`): per-client limits. */
  client?: string;
  /** The customer's language as the channel reports it (e.g. Telegram `language_code`); used until they choose one. */
  localeHint?: string;
}

export type InboundBody =
  | { type: 'text'; text: string }
  /** A tapped button; `nonce` ties it to the prompt that showed it, so stale buttons are refused. */
  | { type: 'choice'; value: string; nonce?: string }
  | { type: 'command'; name: string }
  /** A phone number shared through the channel; `ownedBySender` when the channel vouches it is the sender's own. */
  | { type: 'contact'; phone: string; ownedBySender: boolean }
  /**
   * A photo or document; `size` in bytes as declared (0: unknown). The bytes are fetched only by a step that wants
   * them; 'too_large' when the channel finds them over its limit while fetching.
   */
  | { type: 'file'; name: string; mime: string; size: number; fetch: () => Promise<Uint8Array | 'too_large'> }
  /** The customer opened the chat (web page load): greet a newcomer, otherwise repeat the current question. */
  | { type: 'open' }
  /** From our own services, not typed by the customer: said, then the current question is asked again. */
  | { type: 'notification'; notice: Notice };

export type Inbound = InboundBase & InboundBody;

/** A button: `label` is shown, `value` comes back in a `choice`. */
export interface Option {
  value: string;
  label: string;
}

/**
 * What kind of answer a question wants, named as HTML's autocomplete tokens: a channel with a text field uses it
 * for the keyboard and for autofill (a phone's number pad, a one-time code from an SMS, a password manager).
 */
export type AnswerKind =
  | 'email'
  | 'tel'
  | 'username'
  | 'one-time-code'
  | 'new-password'
  | 'current-password'
  | 'family-name'
  | 'given-name'
  | 'additional-name'
  | 'bday';

export type Outbound =
  /**
   * `secret`: the answer to this question is a secret, so a channel masks what the customer types. `refusal`: the
   * customer's answer was not taken, and this says why (a channel may show it as an error).
   */
  | { type: 'text'; text: string; secret?: boolean; expects?: AnswerKind; refusal?: boolean }
  /** A question answered by buttons; `rows` lay the buttons out, `nonce` comes back with the tap. */
  | { type: 'choices'; text: string; rows: Option[][]; nonce: string; secret?: boolean; expects?: AnswerKind }
  | { type: 'contact-request'; text: string; button: string; expects?: AnswerKind }
  | { type: 'file-request'; text: string; accept: 'image' }
  /**
   * Pictures the customer sent, as previews to look at before sending them on (the web chat shows them; Telegram
   * says the summary in the question instead). `id` is the preview's file id, fetched under the chat's session.
   */
  | { type: 'previews'; images: { id: string; caption: string }[] }
  /** The bot is working on something slow (hashing, sending a code). */
  | { type: 'typing' }
  /** Remove the customer's message `messageId` from the chat (it held a secret). */
  | { type: 'delete-message'; messageId: string };
