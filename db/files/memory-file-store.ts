import { base64url } from '../../core/digest';
import { FILE_ID, type FileStore } from '../../core/ports/file-store';

/** The in-process twin of the file store, for tests: the same contract, nothing on disk. */
export function createMemoryFileStore(): FileStore {
  const files = new Map<string, { bytes: Uint8Array; contentType: string }>();
  return {
    async put(bytes, contentType) {
      const id = base64url(crypto.getRandomValues(new Uint8Array(16)));
      files.set(id, { bytes: new Uint8Array(bytes), contentType });
      return { id, size: bytes.byteLength, contentType };
    },
    async get(id) {
      const file = FILE_ID.test(id) ? files.get(id) : undefined;
      return file ? { bytes: new Uint8Array(file.bytes), contentType: file.contentType } : null;
    },
    async delete(id) {
      files.delete(id);
    },
  };
}
