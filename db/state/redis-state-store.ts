import { Redis } from 'ioredis';
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

const SET_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

type ScriptedRedis = Redis & {
  kabinetCas(key: string, expected: number, value: string, ttl: number): Promise<number | null>;
  kabinetSetNx(key: string, value: string, ttl: number): Promise<number>;
};

export interface RedisStateStoreOptions {
  url: string;
  /** Prepended to every key, so several deployments (or test files) can share one Redis. */
  prefix?: string;
}

export function createRedisStateStore({ url, prefix = 'kabinet:' }: RedisStateStoreOptions): StateStore {
  const redis = new Redis(url, {
    keyPrefix: prefix,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
  }) as ScriptedRedis;
  redis.defineCommand('kabinetCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
  redis.defineCommand('kabinetSetNx', { numberOfKeys: 1, lua: SET_IF_ABSENT });
  // Connection errors surface on the calls that need the connection; without a listener ioredis logs each retry.
  redis.on('error', () => {});

  return {
    async get(key) {
      const [version, value] = await redis.hmget(key, 'v', 'd');
      return version == null || value == null ? null : { value, version: Number(version) };
    },
    async compareAndSet(key, expectedVersion, value, ttlSeconds) {
      const version = await redis.kabinetCas(key, expectedVersion, value, Math.ceil(ttlSeconds));
      return version === null ? null : Number(version);
    },
    async setIfAbsent(key, value, ttlSeconds) {
      return (await redis.kabinetSetNx(key, value, Math.ceil(ttlSeconds))) === 1;
    },
    async delete(key) {
      await redis.del(key);
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
