import type { DocumentTypeId } from '../documents';
import type { Locale } from '../i18n';

/** One-time code rules. Durations in seconds. */
export interface CodePolicy {
  ttlSeconds: number;
  maxAttempts: number;
  resendCooldownSeconds: number;
  /** Codes sent to one contact within an hour, whatever the purpose. */
  sendsPerHour: number;
  /** Codes one conversation may have sent within an hour, to any contacts. */
  sendsPerConversationPerHour: number;
  /**
   * Codes one client (a web client's address, a Telegram user) may have sent within an hour, across all its
   * conversations: a web page can start a new conversation for each attempt, an address cannot.
   */
  sendsPerClientPerHour: number;
}

/** Password rules as data; `core/password-policy.ts` applies them and names the first one broken. */
export interface PasswordRules {
  minLength: number;
  /** At least one letter and one digit (Soglasie). */
  lettersAndDigits: boolean;
  /** Latin upper- and lower-case letters, a digit and one of `special` (Victoria). */
  upperLowerDigitSpecial: boolean;
  /** The special characters allowed and, with `upperLowerDigitSpecial`, required. Empty: any. */
  special: string;
  /** zxcvbn score (0–4) a password must reach; 0 refuses only passwords found in published lists. */
  minStrength: 0 | 1 | 2 | 3;
  /** Passwords this insurer published as examples, refused whatever their strength. */
  published: string[];
}

/**
 * What differs between insurers is data, not code: each preset (one file per insurer beside this one, from the
 * insurer's own instructions) configures the same flows.
 */
export interface InsurerPreset {
  id: InsurerId;
  /** Shown in greetings, e-mails and SMS. */
  name: Record<Locale, string>;
  /** The languages offered, in the order the language menu lists them (the first default is still Russian). */
  languages: readonly Locale[];
  /** Where replies that cannot help send the customer. */
  support: string;
  /**
   * How the web chat looks on the insurer's site: `color` fills buttons and the customer's bubbles under white
   * text and colours links on the bot's grey bubbles, so it must read at 4.5:1 on both (about 5.1:1 against white;
   * the accessibility test checks it); `logo` is an SVG drawn at 32×32 (header, tab icon, the widget's launcher).
   */
  brand: { color: string; logo: string };
  /** ISO 3166 region used to read phone numbers typed without a country code. */
  phoneRegion: 'RU' | 'KZ';
  /** IANA zone that times shown to customers (session lists) are given in. */
  timeZone: string;
  agreement: { url: string; version: string };
  /**
   * 'password-first' (Soglasie): e-mail, phone, password, consent, then an e-mail and an SMS code.
   * 'activation-link' (Victoria): e-mail and phone, an SMS code, then a link and a temporary password.
   */
  registration: 'password-first' | 'activation-link';
  /**
   * Password reset. 'sent' (Soglasie's instructions): the message with the code also carries a new password,
   * set when the code is typed in the chat that asked. 'chosen': after the code the customer types a new one.
   * RESET_MODE overrides it.
   */
  resetMode: ResetMode;
  /** Whether a phone shared through Telegram's contact button still needs an SMS code. */
  sharedPhoneNeedsCode: boolean;
  /** Identity confirmation: the answer promised after "Send" (Soglasie's instructions: within a day). */
  identity: { answerHours: number };
  codes: CodePolicy;
  /** Activation by link ('activation-link' registration): how long the link and the temporary password last. */
  activation: { linkHours: number; temporaryPasswordHours: number };
  password: PasswordRules;
  documents: DocumentTypeId[];
}

export const resetModes = ['sent', 'chosen'] as const;
export type ResetMode = (typeof resetModes)[number];

export const insurerIds = ['soglasie', 'victoria'] as const;
export type InsurerId = (typeof insurerIds)[number];

/** One-time code rules both insurers share (SPEC: 6 digits, 10 minutes, 5 tries). */
export const defaultCodes: CodePolicy = {
  ttlSeconds: 10 * 60,
  maxAttempts: 5,
  resendCooldownSeconds: 60,
  sendsPerHour: 5,
  sendsPerConversationPerHour: 10,
  // Enough for a family or an office behind one address, not for a script trying contacts.
  sendsPerClientPerHour: 30,
};
