/**
 * Authenticated encryption under DATA_KEY (AES-256-GCM). `context` names where the value lives (a column and
 * row, a conversation) and is bound into the ciphertext: a value moved elsewhere does not open.
 */
export interface Sealer {
  seal(plain: string, context: string): Promise<string>;
  /** Rejects when the value was altered, sealed under another key, or for another context. */
  open(sealed: string, context: string): Promise<string>;
}
