import type { Redis } from 'ioredis';
import type { TicketStore } from './ticket-lock';

/**
 * Each key is a hash {next, serving, until, skipped}; every operation is one Lua script reading Redis's own
 * clock (TIME), so instances whose clocks differ still agree on leases. An idle key expires after `IDLE_MS`.
 */
const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;
const IDLE_MS = 10 * 60 * 1000;

const TAKE = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'next', 0, 'serving', 1, 'until', 0, 'skipped', 0) end
local ticket = redis.call('HINCRBY', KEYS[1], 'next', 1)
redis.call('PEXPIRE', KEYS[1], ${IDLE_MS})
local serving = tonumber(redis.call('HGET', KEYS[1], 'serving'))
if ticket == serving then
  local skipped = tonumber(redis.call('HGET', KEYS[1], 'skipped'))
  redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[1]), 'skipped', 0)
  return {ticket, serving, now + tonumber(ARGV[1]), now, skipped}
end
return {ticket, serving, tonumber(redis.call('HGET', KEYS[1], 'until')), now, -1}`;

const PEEK = `${NOW}
local d = redis.call('HMGET', KEYS[1], 'serving', 'until')
if not d[1] then return nil end
return {tonumber(d[1]), tonumber(d[2]), now}`;

const CLAIM = `${NOW}
local d = redis.call('HMGET', KEYS[1], 'serving', 'skipped')
if not d[1] or tonumber(d[1]) ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]), 'skipped', 0)
redis.call('PEXPIRE', KEYS[1], ${IDLE_MS})
return tonumber(d[2])`;

const ADVANCE = `${NOW}
local d = redis.call('HMGET', KEYS[1], 'serving', 'until')
if not d[1] or tonumber(d[1]) ~= tonumber(ARGV[1]) then return 0 end
if ARGV[3] == '1' then
  if tonumber(d[2]) >= now then return 0 end
  redis.call('HSET', KEYS[1], 'skipped', 1)
end
redis.call('HSET', KEYS[1], 'serving', tonumber(ARGV[1]) + 1, 'until', now + tonumber(ARGV[2]))
return 1`;

type Scripted = Redis & {
  kabinetTicketTake(key: string, leaseMs: number): Promise<number[]>;
  kabinetTicketPeek(key: string): Promise<number[] | null>;
  kabinetTicketClaim(key: string, ticket: number, leaseMs: number): Promise<number>;
  kabinetTicketAdvance(key: string, from: number, claimMs: number, expiredOnly: string): Promise<number>;
};

/** The TicketStore on Redis; keys are `lock:<conversation>`. The caller owns the connection. */
export function createRedisTicketStore(redis: Redis): TicketStore {
  const r = redis as Scripted;
  r.defineCommand('kabinetTicketTake', { numberOfKeys: 1, lua: TAKE });
  r.defineCommand('kabinetTicketPeek', { numberOfKeys: 1, lua: PEEK });
  r.defineCommand('kabinetTicketClaim', { numberOfKeys: 1, lua: CLAIM });
  r.defineCommand('kabinetTicketAdvance', { numberOfKeys: 1, lua: ADVANCE });
  const keyOf = (key: string) => `lock:${key}`;
  return {
    async take(key, leaseMs) {
      const [ticket, serving, until, now, skipped] = (await r.kabinetTicketTake(keyOf(key), leaseMs)).map(
        Number,
      ) as [number, number, number, number, number];
      return { ticket, serving, until, now, claimed: skipped < 0 ? null : { skippedExpired: skipped === 1 } };
    },
    async peek(key) {
      const found = await r.kabinetTicketPeek(keyOf(key));
      if (!found) return null;
      const [serving, until, now] = found.map(Number) as [number, number, number];
      return { serving, until, now };
    },
    async claim(key, ticket, leaseMs) {
      const skipped = Number(await r.kabinetTicketClaim(keyOf(key), ticket, leaseMs));
      return skipped < 0 ? null : { skippedExpired: skipped === 1 };
    },
    async advance(key, from, claimMs, expiredOnly) {
      return Number(await r.kabinetTicketAdvance(keyOf(key), from, claimMs, expiredOnly ? '1' : '0')) === 1;
    },
  };
}
