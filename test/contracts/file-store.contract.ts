import { describe, expect, it } from 'vitest';
import type { FileStore } from '../../core/ports/file-store';

/** One behaviour, every file store: what the identity upload relies on. */
export function fileStoreContract(name: string, open: () => Promise<FileStore> | FileStore) {
  describe(`FileStore contract: ${name}`, () => {
    const image = () =>
      new Uint8Array(200_000).map((_, i) => (i * 7919 + Math.floor(Math.random() * 256)) % 256);

    it('gives back the very bytes and type it was given, under an id that is no path', async () => {
      const store = await open();
      const bytes = image();
      const stored = await store.put(bytes, 'image/jpeg');
      expect(stored).toMatchObject({ size: bytes.byteLength, contentType: 'image/jpeg' });
      expect(stored.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const read = await store.get(stored.id);
      expect(read?.contentType).toBe('image/jpeg');
      expect(Buffer.from(read?.bytes ?? []).equals(Buffer.from(bytes))).toBe(true);
    });

    it('gives every file its own id, and nothing for an unknown, malformed or deleted one', async () => {
      const store = await open();
      const [a, b] = [await store.put(image(), 'image/png'), await store.put(image(), 'image/png')];
      expect(a.id).not.toBe(b.id);
      expect(await store.get('AAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
      for (const hostile of ['../../etc/passwd', '', `${a.id}/..`, a.id.slice(0, 21)])
        expect(await store.get(hostile)).toBeNull();
      await store.delete(a.id);
      await store.delete(a.id);
      expect(await store.get(a.id)).toBeNull();
      expect(await store.get(b.id)).not.toBeNull();
    });

    it('lists the files stored before a moment, and none after it', async () => {
      const store = await open();
      const before = new Date(Date.now() - 1000);
      const stored = await store.put(image(), 'image/jpeg');
      expect(await store.storedBefore(before)).not.toContain(stored.id);
      expect(await store.storedBefore(new Date(Date.now() + 1000))).toContain(stored.id);
      await store.delete(stored.id);
      expect(await store.storedBefore(new Date(Date.now() + 1000))).not.toContain(stored.id);
    });
  });
}
