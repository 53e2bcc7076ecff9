import { fail, ok, type Result } from '../../core/result';

/** Slack's window for a request's timestamp: older (or that far in the future) is a replay. Seconds. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureProblem = 'unsigned' | 'stale' | 'forged';

/**
 * Slack's request signature (v0): `v0=` + HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), sent in
 * `x-slack-signature` with the timestamp in `x-slack-request-timestamp`. Checked on the raw body before anything
 * reads it, in constant time; `now` (epoch ms) is injectable so the window is tested without waiting.
 * Web Crypto, so it runs on Node and on Workers alike.
 */
export async function verifySlackSignature(request: {
  signingSecret: string;
  /** The body's bytes as they arrived (or its text, which is the same bytes as UTF-8). */
  rawBody: Uint8Array | string;
  timestamp: string | undefined;
  signature: string | undefined;
  now: number;
}): Promise<Result<void, SignatureProblem>> {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0='))
    return fail('unsigned');
  if (Math.abs(request.now / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return fail('stale');
  const expected = await sign(request.signingSecret, timestamp, request.rawBody);
  return constantTimeEqual(expected, signature) ? ok(undefined) : fail('forged');
}

/** The signature Slack would send for `rawBody` at `timestamp` (tests sign their payloads with it). */
export async function sign(
  signingSecret: string,
  timestamp: string,
  rawBody: Uint8Array | string,
): Promise<string> {
  const encoder = new TextEncoder();
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const prefix = encoder.encode(`v0:${timestamp}:`);
  const base = new Uint8Array(prefix.length + body.length);
  base.set(prefix);
  base.set(body, prefix.length);
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(signingSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, base));
  return `v0=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Compares every character whatever the first difference, so the time taken tells nothing of the secret. */
function constantTimeEqual(a: string, b: string): boolean {
  let differs = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) differs |= a.charCodeAt(i) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  return differs === 0;
}
