import { checkPassword } from './password-policy';
import type { PasswordRules } from './presets';

/** Letters and digits nobody misreads in an SMS or an e-mail font (no l/1/I, o/0/O). */
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
/** Used only where the rules ask for a special character: elsewhere they cost more trouble than entropy. */
const DEFAULT_SPECIAL = '!@$_-';
/** 12 characters from ~57 symbols: about 70 bits, far past what an online guesser can try. */
const LENGTH = 12;

/**
 * A password meeting `rules`, derived from `seed` (32 random-looking bytes): the same seed gives the same
 * password, so a reset can put it in the message with the code and set it when the code comes back, storing
 * neither. Uniform choices by rejection sampling over bytes stretched with SHA-256.
 */
export async function generatePassword(
  seed: Uint8Array,
  rules: PasswordRules,
  personal: string[],
): Promise<string> {
  const special = rules.upperLowerDigitSpecial ? rules.special || DEFAULT_SPECIAL : '';
  const classes = [LOWER, UPPER, DIGITS, ...(special ? [special] : [])];
  const alphabet = classes.join('');
  const length = Math.max(LENGTH, rules.minLength);
  for (let round = 0; round < 64; round++) {
    const draw = await byteStream(seed, round);
    // One of each class first, the rest from the whole alphabet, then shuffled.
    const chars = [
      ...classes.map((set) => set[draw(set.length)] ?? ''),
      ...Array.from({ length: length - classes.length }, () => alphabet[draw(alphabet.length)] ?? ''),
    ];
    for (let i = chars.length - 1; i > 0; i--) {
      const j = draw(i + 1);
      [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
    }
    const password = chars.join('');
    if (checkPassword(password, rules, personal).ok) return password;
  }
  throw new Error('no generated password met the rules in 64 rounds');
}

/** Uniform integers below n (n ≤ 256) drawn from SHA-256(seed | round | block), rejecting biased bytes. */
async function byteStream(seed: Uint8Array, round: number): Promise<(n: number) => number> {
  const blocks: Uint8Array[] = [];
  for (let block = 0; block < 4; block++) {
    const input = new Uint8Array([...seed, round, block]);
    blocks.push(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
  }
  const bytes = blocks.flatMap((b) => [...b]);
  let at = 0;
  return (n) => {
    const limit = 256 - (256 % n);
    while (at < bytes.length) {
      const byte = bytes[at++] ?? 0;
      if (byte < limit) return byte % n;
    }
    throw new Error('byte stream ran dry');
  };
}
