/** SHA-256 of `text`, base64url, cut to `length` characters (22 keep 132 bits): a name that reveals nothing. */
export async function digest(text: string, length = 43): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return base64url(hash).slice(0, length);
}

export const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
