import { base64url } from '../../core/digest';
import { FILE_ID, type FileStore } from '../../core/ports/file-store';

/** The in-process twin of the file store, for tests: the same contract, nothing on disk. */
export function createMemoryFileStore(now: () => number = Date.now): FileStore {
  const files = new Map<string, { bytes: Uint8Array; contentType: string; storedAt: number }>();
  return {
    async put(bytes, contentType) {
      const id = base64url(crypto.getRandomValues(new Uint8Array(16)));
      files.set(id, { bytes: new Uint8Array(bytes), contentType, storedAt: now() });
      return { id, size: bytes.byteLength, contentType };
    },
    async get(id) {
      const file = FILE_ID.test(id) ? files.get(id) : undefined;
      return file ? { bytes: new Uint8Array(file.bytes), contentType: file.contentType } : null;
    },
    async delete(id) {
      files.delete(id);
    },
    async storedBefore(cutoff) {
      return [...files].filter(([, file]) => file.storedAt < cutoff.getTime()).map(([id]) => id);
    },
  };
}
