import { base64url } from './digest';
import { fail, ok, type Result } from './result';

/** How long a link to a case's pictures works: long enough to look, short enough that a forwarded one dies. */
export const STAFF_LINK_MINUTES = 15;

export interface StaffLink {
  caseId: string;
  /** The reviewer the link was made for (audited when they open it). */
  reviewer: string;
  /** Epoch ms after which the link is refused. */
  until: number;
}

/**
 * Signed, expiring links to a case's pictures for one reviewer: passport images stay in our storage and are
 * shown only through such a link, made fresh when a reviewer asks (never pasted into a channel for good).
 * HMAC-SHA256 over case, reviewer and expiry with a key derived from DATA_KEY; Web Crypto (Node and Workers).
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
    new TextEncoder().encode(`staff-link:${link.caseId}:${link.reviewer}:${link.until}`);
  const query = (link: StaffLink, signature: string) =>
    `by=${encodeURIComponent(link.reviewer)}&until=${link.until}&sig=${signature}`;

  return {
    /** A link to the case's page, working for `minutes`. */
    async make(caseId: string, reviewer: string): Promise<string> {
      const link = { caseId, reviewer, until: now() + (options.minutes ?? STAFF_LINK_MINUTES) * 60_000 };
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, signed(link)));
      return `${options.publicUrl}/staff/cases/${caseId}?${query(link, base64url(mac))}`;
    },

    /** The link a request names, when its signature holds and it has not expired. */
    async check(
      caseId: string,
      params: { by?: string; until?: string; sig?: string },
    ): Promise<Result<StaffLink, 'forged' | 'expired'>> {
      const until = Number(params.until);
      if (!params.by || !params.sig || !Number.isSafeInteger(until)) return fail('forged');
      const link = { caseId, reviewer: params.by, until };
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
