import { createHmac } from 'node:crypto';

/** A purpose-bound key from DATA_KEY, so one secret serves several uses without reusing it directly. */
export function deriveSecret(dataKey: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', dataKey).update(`kabinet:${purpose}`).digest();
}

/**
 * The secrets every instance (Node or Worker) derives alike from one DATA_KEY: a code sent by one is checked by
 * another, and a chat's cookie opens the same conversation on either.
 */
export const sharedSecrets = (dataKey: Uint8Array) => ({
  codeSecret: deriveSecret(dataKey, 'one-time-codes'),
  activationSecret: deriveSecret(dataKey, 'activation-links'),
  sessionSecret: deriveSecret(dataKey, 'web-session-cookie').toString('base64url'),
});
