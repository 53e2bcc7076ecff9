import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, ConfigError } from './config';

/**
 * The key for personal data at rest (32 bytes). Production passes DATA_KEY; an embedded run keeps a generated
 * one beside its data, so a laptop works without setup. A server database without DATA_KEY is refused:
 * a key generated on one instance's disk would leave every other instance unable to read the data.
 */
export async function resolveDataKey(config: Config): Promise<Uint8Array> {
  if (config.DATA_KEY) return Buffer.from(config.DATA_KEY, 'base64');
  if (config.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DATA_KEY: required when DATABASE_URL is set (openssl rand -base64 32)',
    );
  }
  const file = join(config.DATA_DIR, 'data.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(config.DATA_DIR, { recursive: true });
  await writeFile(file, key.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return key;
}
