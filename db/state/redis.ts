import { Redis } from 'ioredis';

/**
 * One connection per process, shared by the state store and the rate limiters. Every key gets `prefix`, so
 * several deployments (or test files) can share one Redis.
 */
/** A command unanswered this long fails (Redis frozen or cut off): the request answers 503 instead of hanging. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

export function createRedisClient(url: string, prefix = 'kabinet:'): Redis {
  // Auto-pipelining sends the commands of many concurrent conversations in one write: fewer syscalls under load.
  const redis = new Redis(url, {
    keyPrefix: prefix,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 5000,
  });
  // Connection errors surface on the calls that need the connection; without a listener ioredis logs each retry.
  redis.on('error', () => {});
  return redis;
}

export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
