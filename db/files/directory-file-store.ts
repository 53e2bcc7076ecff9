import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base64url } from '../../core/digest';
import { FILE_ID, type FileStore } from '../../core/ports/file-store';

/** First line of a stored file: how to open the rest. Everything after it is ciphertext. */
interface Envelope {
  v: 1;
  contentType: string;
  /** The file's own AES-256 key, wrapped (AES-KW) under a key derived from DATA_KEY. */
  key: string;
  iv: string;
}

/**
 * Files in a private directory, each encrypted with AES-256-GCM under a random key of its own, that key wrapped
 * by DATA_KEY: a copied directory (or a backup) gives nothing without DATA_KEY, and one file's key opens no other.
 * Bound to its id as additional data, so a file renamed to another's id does not open. Written to a temporary
 * name and renamed, so a crash never leaves half a file under a real id.
 */
export function createDirectoryFileStore(directory: string, dataKey: Uint8Array): FileStore {
  const encoder = new TextEncoder();
  const wrappingKey = crypto.subtle
    .importKey('raw', new Uint8Array(dataKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    .then((master) => crypto.subtle.sign('HMAC', master, encoder.encode('kabinet:file-key-wrapping')))
    .then((raw) => crypto.subtle.importKey('raw', raw, 'AES-KW', false, ['wrapKey', 'unwrapKey']));
  const pathOf = (id: string) => join(directory, id.slice(0, 2), id);

  return {
    async put(bytes, contentType) {
      const id = base64url(crypto.getRandomValues(new Uint8Array(16)));
      const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(id) }, key, bytes),
      );
      const wrapped = new Uint8Array(await crypto.subtle.wrapKey('raw', key, await wrappingKey, 'AES-KW'));
      const envelope: Envelope = { v: 1, contentType, key: base64url(wrapped), iv: base64url(iv) };
      const head = encoder.encode(`${JSON.stringify(envelope)}\n`);
      const path = pathOf(id);
      await mkdir(join(directory, id.slice(0, 2)), { recursive: true, mode: 0o700 });
      await writeFile(`${path}.part`, Buffer.concat([head, sealed]), { mode: 0o600 });
      await rename(`${path}.part`, path);
      return { id, size: bytes.byteLength, contentType };
    },

    async get(id) {
      if (!FILE_ID.test(id)) return null;
      const stored = await readFile(pathOf(id)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (!stored) return null;
      const newline = stored.indexOf(0x0a);
      const envelope = JSON.parse(stored.subarray(0, newline).toString('utf8')) as Envelope;
      const key = await crypto.subtle.unwrapKey(
        'raw',
        fromBase64Url(envelope.key),
        await wrappingKey,
        'AES-KW',
        'AES-GCM',
        false,
        ['decrypt'],
      );
      const bytes = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64Url(envelope.iv), additionalData: encoder.encode(id) },
        key,
        stored.subarray(newline + 1),
      );
      return { bytes: new Uint8Array(bytes), contentType: envelope.contentType };
    },

    async delete(id) {
      if (FILE_ID.test(id)) await rm(pathOf(id), { force: true });
    },

    async storedBefore(cutoff) {
      const shards = await readdir(directory).catch(() => [] as string[]);
      const ids: string[] = [];
      for (const shard of shards) {
        const names = await readdir(join(directory, shard)).catch(() => [] as string[]);
        for (const name of names) {
          if (!FILE_ID.test(name)) continue; // a `.part` a crash left is no file yet
          const stored = await stat(join(directory, shard, name)).catch(() => null);
          if (stored && stored.mtime < cutoff) ids.push(name);
        }
      }
      return ids;
    },
  };
}

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
