import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDirectoryFileStore } from '../db/files/directory-file-store';
import { createMemoryFileStore } from '../db/files/memory-file-store';
import { fileStoreContract } from './contracts/file-store.contract';

const directories: string[] = [];
const directory = async () => {
  const path = await mkdtemp(join(tmpdir(), 'kabinet-files-'));
  directories.push(path);
  return path;
};
afterAll(() => Promise.all(directories.map((path) => rm(path, { recursive: true, force: true }))));

const key = new Uint8Array(32).fill(8);

fileStoreContract('in process', () => createMemoryFileStore());
fileStoreContract('encrypted directory', async () => createDirectoryFileStore(await directory(), key));

describe('encrypted directory at rest', () => {
  it('keeps no readable byte of a file on disk, and needs DATA_KEY to open it', async () => {
    const path = await directory();
    const store = createDirectoryFileStore(path, key);
    // A recognisable "passport": a JPEG header and a GPS tag in clear would both be findable on disk.
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe1]),
      Buffer.from('GPSLatitude 55.7558 N'.repeat(50)),
    ]);
    const { id } = await store.put(bytes, 'image/jpeg');
    const [shard] = await readdir(path);
    const onDisk = await readFile(join(path, shard ?? '', id));
    expect(onDisk.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(onDisk.includes(Buffer.from([0xff, 0xd8, 0xff, 0xe1]))).toBe(false);
    await expect(createDirectoryFileStore(path, new Uint8Array(32).fill(9)).get(id)).rejects.toThrow();
  });

  it('refuses a file moved under another file’s id', async () => {
    const path = await directory();
    const store = createDirectoryFileStore(path, key);
    const [a, b] = [
      await store.put(Buffer.from('first'), 'image/png'),
      await store.put(Buffer.from('second'), 'image/png'),
    ];
    await rename(join(path, a.id.slice(0, 2), a.id), join(path, b.id.slice(0, 2), b.id));
    await expect(store.get(b.id)).rejects.toThrow();
  });
});
