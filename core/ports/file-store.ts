/** A stored file as its owner refers to it: the id is all a case or a conversation keeps. */
export interface StoredFile {
  /** 128 random bits, base64url: unguessable, and never a path. */
  id: string;
  /** Bytes of the content (before encryption). */
  size: number;
  contentType: string;
}

/**
 * Private files (passport scans): never served as static files, encrypted at rest, each under a key of its own.
 * Embedded and production: a directory (`DATA_DIR/uploads`); tests may use the in-process twin. Both pass
 * `test/contracts/file-store.contract.ts`.
 */
export interface FileStore {
  /** Stores `bytes` under a new id. */
  put(bytes: Uint8Array, contentType: string): Promise<StoredFile>;
  /** The file's bytes and type, or null when there is no such file (or the id is malformed). */
  get(id: string): Promise<{ bytes: Uint8Array; contentType: string } | null>;
  /** Removes the file; removing a missing one does nothing. */
  delete(id: string): Promise<void>;
  /** The ids of files stored before `cutoff` (for the sweep of files no record names: core/retention.ts). */
  storedBefore(cutoff: Date): Promise<string[]>;
}

/** What a file id looks like; anything else names no file. */
export const FILE_ID = /^[A-Za-z0-9_-]{22}$/;
