import { Redis } from 'ioredis';

/**
 * One connection per process, shared by the state store and the rate limiters. Every key gets `prefix`, so
 * several deployments (or test files) can share one Redis.
 */
/** A command unanswered this long fails (Redis frozen or cut off): the request answers 503 instead of hanging. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

export function createRedisClient(url: string, prefix = 'kabinet:', options: { lazy?: boolean } = {}): Redis {
  // Auto-pipelining sends the commands of many concurrent conversations in one write: fewer syscalls under load.
  const redis = new Redis(url, {
    keyPrefix: prefix,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 5000,
    // A command that failed (timed out, or the connection dropped under it) is never sent later: a turn-lock
    // ticket or a budget spend replayed after an outage would act for a request answered 503 long ago (measured:
    // a phantom 10 s lease holding the chat's next update after Redis came back).
    autoResendUnfulfilledCommands: false,
    lazyConnect: options.lazy ?? false,
  });
  // Commands wait for the first connection (a process starting), but not for a lost one: during an outage they
  // fail at once rather than queue up to be replayed when Redis is back.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  // Connection errors surface on the calls that need the connection; without a listener ioredis logs each retry.
  redis.on('error', () => {});
  return redis;
}

export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
