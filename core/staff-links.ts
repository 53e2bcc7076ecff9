import { base64url } from './digest';
import { fail, ok, type Result } from './result';

/** How long a link to a case's pictures works: long enough to look, short enough that a forwarded one dies. */
export const STAFF_LINK_MINUTES = 15;

export interface StaffLink {
  /** What the link opens: a case's id, or a page's name (`funnel`). */
  subject: string;
  /** The reviewer the link was made for (audited when they open it); `operator` for one signed in by token. */
  reviewer: string;
  /** Epoch ms after which the link is refused. */
  until: number;
}

/**
 * Signed, expiring links to staff pages for one person: passport images stay in our storage and are shown only
 * through such a link to a case, made fresh when a reviewer asks (never pasted into a channel for good); the
 * funnel page opens through one too. HMAC-SHA256 over subject, reviewer and expiry with a key derived from
 * DATA_KEY; Web Crypto (Node and Workers).
 */
export function createStaffLinks(options: {
  secret: Uint8Array;
  publicUrl: string;
  minutes?: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const key = crypto.subtle.importKey('raw', options.secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  const signed = (link: StaffLink) =>
    new TextEncoder().encode(`staff-link:${link.subject}:${link.reviewer}:${link.until}`);

  /** The query that opens `subject` for `reviewer` during `minutes`. */
  async function query(subject: string, reviewer: string, minutes = options.minutes ?? STAFF_LINK_MINUTES) {
    const link = { subject, reviewer, until: now() + minutes * 60_000 };
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, signed(link)));
    return `by=${encodeURIComponent(link.reviewer)}&until=${link.until}&sig=${base64url(mac)}`;
  }

  return {
    /** A link to the case's page, working for STAFF_LINK_MINUTES. */
    async make(caseId: string, reviewer: string): Promise<string> {
      return `${options.publicUrl}/staff/cases/${caseId}?${await query(caseId, reviewer)}`;
    },

    /** A link to the funnel page (web/funnel-routes.ts). */
    async funnel(reviewer: string, minutes?: number): Promise<string> {
      return `${options.publicUrl}/staff/funnel?${await query('funnel', reviewer, minutes)}`;
    },

    /** The link a request names, when its signature holds for `subject` and it has not expired. */
    async check(
      subject: string,
      params: { by?: string; until?: string; sig?: string },
    ): Promise<Result<StaffLink, 'forged' | 'expired'>> {
      const until = Number(params.until);
      if (!params.by || !params.sig || !Number.isSafeInteger(until)) return fail('forged');
      const link = { subject, reviewer: params.by, until };
      const mac = decode(params.sig);
      // verify() compares in constant time.
      if (!mac || !(await crypto.subtle.verify('HMAC', await key, mac, signed(link)))) return fail('forged');
      return until < now() ? fail('expired') : ok(link);
    },
  };
}

export type StaffLinks = ReturnType<typeof createStaffLinks>;

function decode(text: string): Uint8Array | null {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
