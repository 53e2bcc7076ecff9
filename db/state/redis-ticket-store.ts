import type { Redis } from 'ioredis';
import type { Claim, TicketStore } from './ticket-lock';

/**
 * Per conversation: a hash `lock:<key>` {next, holder, until, releasedAt, skipped}, a sorted set `lockq:<key>` of
 * waiting tickets scored by admission order, and hashes `lockw:`/`locka:` of when each waiter last looked and
 * arrived. Every operation is one Lua script reading Redis's own clock (TIME), so instances whose clocks differ
 * agree on leases; the rule for who goes next is `admit` in ticket-lock.ts, written again here.
 */
const IDLE_MS = 10 * 60 * 1000;

const PRELUDE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local lock, queue, seen, arrived = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local function num(v) return tonumber(v) or 0 end
local function admit(ticket, leaseMs, claimMs, holdBackMs, busyMs)
  local holder = num(redis.call('HGET', lock, 'holder'))
  if holder ~= 0 and holder ~= ticket and num(redis.call('HGET', lock, 'until')) < now then
    redis.call('HSET', lock, 'holder', 0, 'skipped', 1, 'releasedAt', now)
    holder = 0
  end
  if holder ~= 0 then return -1 end
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  while head and tonumber(head) ~= ticket and num(redis.call('HGET', seen, head)) < now - claimMs do
    redis.call('ZREM', queue, head)
    redis.call('HDEL', seen, head)
    redis.call('HDEL', arrived, head)
    redis.call('HDEL', lock, 'ordered:' .. head)
    head = redis.call('ZRANGE', queue, 0, 0)[1]
  end
  if not head or tonumber(head) ~= ticket then return -1 end
  local ordered = redis.call('HEXISTS', lock, 'ordered:' .. ticket) == 1
  local releasedAt = num(redis.call('HGET', lock, 'releasedAt'))
  local busy = releasedAt == 0 or now - releasedAt < busyMs
  if ordered and busy and now - num(redis.call('HGET', arrived, head)) < holdBackMs then return -1 end
  redis.call('ZREM', queue, head)
  redis.call('HDEL', seen, head)
  redis.call('HDEL', arrived, head)
  redis.call('HDEL', lock, 'ordered:' .. ticket)
  local skipped = num(redis.call('HGET', lock, 'skipped'))
  redis.call('HSET', lock, 'holder', ticket, 'until', now + leaseMs, 'skipped', 0)
  return skipped
end
local function keep()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ${IDLE_MS}) end
end`;

/** ARGV: order ('' for none), leaseMs, claimMs, holdBackMs, busyMs. Returns {ticket, claim (-1: waiting)}. */
const TAKE = `${PRELUDE}
local ticket = redis.call('HINCRBY', lock, 'next', 1)
local score = ticket
if ARGV[1] ~= '' then
  score = tonumber(ARGV[1])
  redis.call('HSET', lock, 'ordered:' .. ticket, 1)
end
redis.call('ZADD', queue, score, ticket)
redis.call('HSET', seen, ticket, now)
redis.call('HSET', arrived, ticket, now)
local claim = admit(ticket, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
keep()
return {ticket, claim}`;

/**
 * ARGV: ticket, leaseMs, claimMs, holdBackMs, busyMs. Returns the claim, -1 while waiting, -2 when passed over.
 * Polling again after a claim whose answer was lost (a dropped connection) finds the turn held by this ticket.
 */
const POLL = `${PRELUDE}
local ticket = tonumber(ARGV[1])
if num(redis.call('HGET', lock, 'holder')) == ticket then return 0 end
if not redis.call('ZSCORE', queue, ticket) then return -2 end
redis.call('HSET', seen, ticket, now)
local claim = admit(ticket, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
keep()
return claim`;

const RENEW = `${PRELUDE}
if num(redis.call('HGET', lock, 'holder')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', lock, 'until', now + tonumber(ARGV[2]))
keep()
return 1`;

const RELEASE = `${PRELUDE}
if num(redis.call('HGET', lock, 'holder')) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', lock, 'holder', 0, 'releasedAt', now)
return 1`;

type Scripted = Redis & {
  kabinetTurnTake(...args: (string | number)[]): Promise<number[]>;
  kabinetTurnPoll(...args: (string | number)[]): Promise<number>;
  kabinetTurnRenew(...args: (string | number)[]): Promise<number>;
  kabinetTurnRelease(...args: (string | number)[]): Promise<number>;
};

const claimOf = (code: number): Claim | null => (code < 0 ? null : { skippedExpired: code === 1 });

/** The TicketStore on Redis. The caller owns the connection. */
export function createRedisTicketStore(redis: Redis): TicketStore {
  const r = redis as Scripted;
  for (const [name, lua] of [
    ['kabinetTurnTake', TAKE],
    ['kabinetTurnPoll', POLL],
    ['kabinetTurnRenew', RENEW],
    ['kabinetTurnRelease', RELEASE],
  ] as const) {
    r.defineCommand(name, { numberOfKeys: 4, lua });
  }
  const keysOf = (key: string) => [`lock:${key}`, `lockq:${key}`, `lockw:${key}`, `locka:${key}`];
  return {
    async take(key, order, t) {
      const [ticket, claim] = (
        await r.kabinetTurnTake(...keysOf(key), order ?? '', t.leaseMs, t.claimMs, t.holdBackMs, t.busyMs)
      ).map(Number) as [number, number];
      return { ticket, claimed: claimOf(claim) };
    },
    async poll(key, ticket, t) {
      const code = Number(
        await r.kabinetTurnPoll(...keysOf(key), ticket, t.leaseMs, t.claimMs, t.holdBackMs, t.busyMs),
      );
      return code === -2 ? 'gone' : claimOf(code);
    },
    async renew(key, ticket, leaseMs) {
      return Number(await r.kabinetTurnRenew(...keysOf(key), ticket, leaseMs)) === 1;
    },
    async release(key, ticket) {
      await r.kabinetTurnRelease(...keysOf(key), ticket);
    },
  };
}
