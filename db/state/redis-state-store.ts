import type { Redis } from 'ioredis';
import type { StateStore } from '../../core/ports/state-store';

/**
 * Each key is a hash {v: version, d: value}. Compare-and-set runs as one Lua script, so the check and
 * the write are atomic and cost one round trip.
 */
const COMPARE_AND_SET = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return nil end
redis.call('HSET', KEYS[1], 'v', current + 1, 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return current + 1`;

/** The same, also writing KEYS[2] (as a new version of it) when the write happens. */
const COMPARE_AND_SET_ALSO = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return nil end
redis.call('HSET', KEYS[1], 'v', current + 1, 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HINCRBY', KEYS[2], 'v', 1)
redis.call('HSET', KEYS[2], 'd', ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return current + 1`;

const SET_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

type ScriptedRedis = Redis & {
  kabinetCas(key: string, expected: number, value: string, ttl: number): Promise<number | null>;
  kabinetCasAlso(
    key: string,
    also: string,
    expected: number,
    value: string,
    ttl: number,
    alsoValue: string,
    alsoTtl: number,
  ): Promise<number | null>;
  kabinetSetNx(key: string, value: string, ttl: number): Promise<number>;
};

/** The StateStore on Redis; the caller owns (and closes) the connection. */
export function createRedisStateStore(redis: Redis): StateStore {
  const scripted = redis as ScriptedRedis;
  scripted.defineCommand('kabinetCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
  scripted.defineCommand('kabinetCasAlso', { numberOfKeys: 2, lua: COMPARE_AND_SET_ALSO });
  scripted.defineCommand('kabinetSetNx', { numberOfKeys: 1, lua: SET_IF_ABSENT });

  return {
    async get(key) {
      const [version, value] = await redis.hmget(key, 'v', 'd');
      return version == null || value == null ? null : { value, version: Number(version) };
    },
    async compareAndSet(key, expectedVersion, value, ttlSeconds, also) {
      const ttl = Math.ceil(ttlSeconds);
      const version = also
        ? await scripted.kabinetCasAlso(
            key,
            also.key,
            expectedVersion,
            value,
            ttl,
            also.value,
            Math.ceil(also.ttlSeconds),
          )
        : await scripted.kabinetCas(key, expectedVersion, value, ttl);
      return version === null ? null : Number(version);
    },
    async setIfAbsent(key, value, ttlSeconds) {
      return (await scripted.kabinetSetNx(key, value, Math.ceil(ttlSeconds))) === 1;
    },
    async delete(key) {
      await redis.del(key);
    },
    async keys(prefix) {
      // SCAN's pattern is not given the connection's key prefix (ioredis adds it to keys only), and its answers
      // carry it: both are done here. Glob characters in either are escaped, so the prefix is taken literally.
      const own = redis.options.keyPrefix ?? '';
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(
          cursor,
          'MATCH',
          `${globLiteral(own + prefix)}*`,
          'COUNT',
          1000,
        );
        for (const key of batch) found.add(key.slice(own.length));
        cursor = next;
      } while (cursor !== '0');
      return [...found];
    },
    async ping() {
      await redis.ping();
    },
  };
}

/** `text` as a Redis glob matching only itself. */
const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
