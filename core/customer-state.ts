import { contactKey } from './contacts';
import type { ContactKind } from './ports/accounts';
import type { StateStore } from './ports/state-store';
import { conversationRef } from './sessions';

/** What ties state to a customer: their account, their contacts, and the conversations the records name. */
export interface StateOwner {
  accountId: string;
  contacts: { kind: ContactKind; value: string }[];
  /** Conversation ids the records keep (identity cases, activation links). */
  conversations: string[];
  /** SHA-256 refs of their sessions' conversations (core/sessions.ts). */
  sessionRefs: string[];
}

/** A customer's keys in the state store, and the conversations found to be theirs. */
export interface OwnedState {
  conversations: string[];
  keys: string[];
}

const regexLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Finds what the state store keeps of one customer, by a walk over every key (an operator's command, never a
 * turn). A conversation is theirs when its state names their account, when it is the conversation of one of their
 * sessions or records, or when it names no account and one of its answers is one of their contacts (a reset or a
 * sign-in under way). A key
 * is theirs when its name carries one of those conversations or contacts as a segment (`conv:<id>`, `inbox:<id>`,
 * `out:<id>:…`, `signin-failures:email:<key>`, `code:reset:<contact>:<id>`, budgets `rl:…:<contact>`), or when it
 * is a web chat's token record opening one of those conversations.
 */
export async function findOwnedState(store: StateStore, owner: StateOwner): Promise<OwnedState> {
  const contactForms = [
    ...new Set(owner.contacts.flatMap((c) => [c.value, contactKey(c.kind, c.value)]).filter(Boolean)),
  ];
  const lowerContacts = contactForms.map((form) => form.toLowerCase());
  const refs = new Set(owner.sessionRefs);
  const conversations = new Set(owner.conversations);

  for (const key of await store.keys('conv:')) {
    const id = key.slice('conv:'.length);
    if (conversations.has(id)) continue;
    const stored = await store.get(key);
    if (refs.has(await conversationRef(id))) conversations.add(id);
    else if (stored && namesOwner(stored.value, owner.accountId, lowerContacts)) conversations.add(id);
  }

  const segment = (needles: string[]) =>
    needles.length > 0 ? new RegExp(`(^|:)(${needles.map(regexLiteral).join('|')})(:|$)`) : null;
  const named = segment([...conversations, ...contactForms]);
  const keys = new Set<string>();
  for (const key of await store.keys('')) {
    if (named?.test(key)) keys.add(key);
    else if (key.startsWith('websession:')) {
      const stored = await store.get(key);
      const opens = stored
        ? (JSON.parse(stored.value) as { conversationId?: string }).conversationId
        : undefined;
      if (opens && conversations.has(opens)) keys.add(key);
    }
  }
  return { conversations: [...conversations], keys: [...keys] };
}

/**
 * Whether a conversation's state is the customer's: it names their account, or it names no account and one of its
 * answers is exactly one of their contacts (a sign-in or a reset under way). A state naming another account is
 * never theirs, and a contact is never matched inside a longer one (ann@ in joann@).
 */
function namesOwner(value: string, accountId: string, lowerContacts: string[]): boolean {
  let state: { account?: unknown; data?: unknown };
  try {
    state = JSON.parse(value) as typeof state;
  } catch {
    return false; // not a state this version reads
  }
  if (state.account) return state.account === accountId;
  const answers = Object.values((state.data ?? {}) as Record<string, unknown>);
  return answers.some((answer) => typeof answer === 'string' && lowerContacts.includes(answer.toLowerCase()));
}

/** What kind of thing a key keeps, by its first segment (`conv`, `inbox`, `signin-failures`…): for a summary. */
export const keyKind = (key: string) => key.split(':', 1)[0] ?? key;
