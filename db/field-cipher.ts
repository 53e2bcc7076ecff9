import type { Sealer } from '../core/ports/sealer';

/**
 * Personal data at rest: AES-256-GCM under DATA_KEY, through Web Crypto (Node and Workers alike).
 * Each value is bound to where it lives (`context`, e.g. `profiles.document_number:<account id>`) as additional
 * data, so a ciphertext copied into another row or column fails to open instead of passing for that row's data.
 */
export interface FieldCipher extends Sealer {
  /**
   * A keyed fingerprint (HMAC-SHA256 under a key derived from DATA_KEY) of `value` for `purpose`: equal values
   * match, and a copy of the database alone cannot tell which values they are (a document number's few digits
   * would fall to a plain hash).
   */
  fingerprint(value: string, purpose: string): Promise<string>;
}

const VERSION = 'v1';

export function createFieldCipher(key: Uint8Array): FieldCipher {
  if (key.length !== 32) throw new Error('DATA_KEY must be 32 bytes');
  const aes = crypto.subtle.importKey('raw', new Uint8Array(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const encoder = new TextEncoder();
  const fingerprintKey = crypto.subtle
    .importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    .then((master) => crypto.subtle.sign('HMAC', master, encoder.encode('kabinet:fingerprint')))
    .then((derived) =>
      crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
    );

  return {
    async seal(plain, context) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const params = { name: 'AES-GCM', iv, additionalData: encoder.encode(context) };
      const cipher = await crypto.subtle.encrypt(params, await aes, encoder.encode(plain));
      return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(cipher))}`;
    },
    async fingerprint(value, purpose) {
      const mac = await crypto.subtle.sign(
        'HMAC',
        await fingerprintKey,
        encoder.encode(`${purpose}|${value}`),
      );
      return toBase64Url(new Uint8Array(mac));
    },
    async open(sealed, context) {
      const [version, iv, cipher] = sealed.split('.');
      if (version !== VERSION || !iv || !cipher) throw new Error('not a sealed value');
      const params = { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: encoder.encode(context) };
      return new TextDecoder().decode(await crypto.subtle.decrypt(params, await aes, fromBase64Url(cipher)));
    },
  };
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
