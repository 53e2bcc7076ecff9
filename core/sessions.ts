import { digest } from './digest';
import type { ChannelName } from './messages';
import type { SessionEnd, SessionRecord, SessionRepository } from './ports/sessions';

/** A conversation signed in to an account: the account, and the session that holds it. */
export interface SignedIn {
  account: string;
  session: string;
}

/** Who is signing in: the conversation, its channel and the event doing it (the session's idempotency key). */
export interface SessionOrigin {
  conversation: string;
  channel: ChannelName;
  event: string;
}

/**
 * Channels whose conversation is the customer's own device for good: a Telegram chat that signed in stays signed
 * in after its conversation state expired, until it signs out or the password changes. A web chat is a browser
 * that may be shared, so its session ends with its conversation.
 */
const staysSignedIn: readonly ChannelName[] = ['tg'];

/** Sessions as the conversation sees them: open one at sign-in, check it at every message, end it at sign-out. */
export function createSessions(records: SessionRepository, idleSeconds: number) {
  return {
    /** Opens the session of a sign-in checked at `generation`; null when a password change got in between. */
    async open(accountId: string, generation: number, origin: SessionOrigin): Promise<SignedIn | null> {
      const id = await digest(`session|${origin.conversation}|${origin.event}`, 22);
      const opened = await records.openSession({
        id,
        accountId,
        generation,
        channel: origin.channel,
        conversationRef: await conversationRef(origin.conversation),
        actor: `customer:${origin.channel}`,
      });
      return opened ? { account: accountId, session: id } : null;
    },
    /** Null while the conversation's session is live; otherwise why it ended. */
    async ended(signedIn: { session: string | null }): Promise<SessionEnd | null> {
      if (!signedIn.session) return 'unknown';
      const status = await records.sessionStatus(signedIn.session);
      return status.live ? null : status.reason;
    },
    /** The session a conversation starting afresh still holds (Telegram only), or null. */
    async resume(conversation: string, channel: ChannelName): Promise<SignedIn | null> {
      if (!staysSignedIn.includes(channel)) return null;
      const found = await records.resumeSession(await conversationRef(conversation));
      return found ? { account: found.accountId, session: found.id } : null;
    },
    end: (session: string, reason: 'logged_out' | 'expired' = 'logged_out') =>
      records.endSession(session, reason),
    /** The account's live sessions; a web chat idle past the limit has expired even if nobody wrote since. */
    async list(account: string, now: number): Promise<SessionRecord[]> {
      const sessions = await records.listSessions(account);
      return sessions.filter(
        (s) => staysSignedIn.includes(s.channel) || now - s.lastActiveAt.getTime() <= idleSeconds * 1000,
      );
    },
    endOthers: (signedIn: SignedIn, channel: ChannelName) =>
      records.endOtherSessions(signedIn.account, signedIn.session, `customer:${channel}`),
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** What the records keep to find a conversation's session: a hash, never the id (a web chat's id is a bearer). */
export const conversationRef = (conversation: string) => digest(`conversation|${conversation}`, 43);
