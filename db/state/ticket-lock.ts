import type { TurnLease, TurnLock } from '../../core/ports/turn-lock';

/** A claimed turn: whether a holder before it was skipped for an expired lease (then cleared). */
export interface Claim {
  skippedExpired: boolean;
}

/** How a conversation's turns are handed out. Milliseconds. */
export interface TurnTiming {
  /** How long a holder may go without renewing before the next caller is let in. */
  leaseMs: number;
  /** How long a waiter may go without looking before it is taken for dead and passed over. */
  claimMs: number;
  /**
   * A caller with an order (Telegram's update_id) that finds the turn of a busy or brand-new conversation free
   * waits this long for an earlier update still on its way: arrival order across instances is only as good as
   * their event loops (measured: 10–20 ms apart under a burst on two cores; past 15 ms under a full test run,
   * where 15 ms let one chat's updates 3 ms apart swap; past 40 ms once in CI with the fuzz suites running
   * alongside, where 40 ms let a new chat's button overtake its /start). Only a brand-new or just-busy chat pays it,
   * and only when its update finds the turn free: one queued behind a turn in progress has waited already.
   */
  holdBackMs: number;
  /** A conversation whose last turn ended this recently counts as busy. */
  busyMs: number;
}

/**
 * The atomic operations of the turn lock; Redis runs each as one Lua script, the memory twin synchronously. Both
 * pass the TurnLock contract suite. Waiters are admitted by `order` where callers have one, else by arrival.
 */
export interface TicketStore {
  /** Queues a caller; the turn is claimed at once when it is free and nobody goes before. */
  take(
    key: string,
    order: number | null,
    timing: TurnTiming,
  ): Promise<{ ticket: number; claimed: Claim | null }>;
  /**
   * Looks again for a waiting caller (and shows it is alive); claims the turn when it is this caller's.
   * 'gone': the caller was passed over as dead (it did not look for longer than `claimMs`) and must queue again.
   */
  poll(key: string, ticket: number, timing: TurnTiming): Promise<Claim | null | 'gone'>;
  /** Extends the holder's lease; false when the turn is no longer this ticket's. */
  renew(key: string, ticket: number, leaseMs: number): Promise<boolean>;
  /** Ends the holder's turn; does nothing when the turn is no longer this ticket's. */
  release(key: string, ticket: number): Promise<void>;
}

const defaults: TurnTiming = { leaseMs: 10_000, claimMs: 2_000, holdBackMs: 120, busyMs: 300 };

/**
 * One turn per key at a time across every instance sharing the store. Waiters are admitted by the channel's
 * order where there is one (Telegram's update_id: one chat's updates reaching two instances in the wrong order
 * are still handled in the right one), else by arrival; a holder renews its lease while it works, and one that
 * stops (a crashed process) is skipped once its lease runs out.
 */
export function createTicketLock(
  tickets: TicketStore,
  options: Partial<TurnTiming> & { maxPollMs?: number } = {},
): TurnLock {
  const timing = { ...defaults, ...options };
  const maxPollMs = options.maxPollMs ?? 20;
  /** Waiters in this process per key: a release here wakes them at once instead of at their next look. */
  const waiting = new Map<string, Set<() => void>>();
  const wake = (key: string) => {
    for (const resume of waiting.get(key) ?? []) resume();
  };
  const pauseFor = (key: string, ms: number) =>
    new Promise<void>((resolve) => {
      const set = waiting.get(key) ?? new Set();
      waiting.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });

  function hold(key: string, ticket: number, claim: Claim): TurnLease {
    let lastRenewed = Date.now();
    let lost = false;
    const renew = setInterval(() => {
      tickets.renew(key, ticket, timing.leaseMs).then(
        (kept) => {
          if (kept) lastRenewed = Date.now();
          else lost = true;
        },
        () => {}, // the store is down: judged by time below
      );
    }, timing.leaseMs / 4);
    renew.unref?.();
    let released = false;
    return {
      tookOver: claim.skippedExpired,
      // Lost when a renewal found the turn gone, or when none succeeded for most of a lease (the store is out of
      // reach, so the lease may run out unseen).
      lost: () => lost || Date.now() - lastRenewed > timing.leaseMs * 0.75,
      async release() {
        if (released) return;
        released = true;
        clearInterval(renew);
        await tickets.release(key, ticket);
        wake(key);
      },
    };
  }

  return {
    async acquire(key, order) {
      let taken = await tickets.take(key, order ?? null, timing);
      if (taken.claimed) return hold(key, taken.ticket, taken.claimed);
      let failingSince: number | null = null;
      for (let pause = 1; ; pause = Math.min(pause * 2, maxPollMs)) {
        await pauseFor(key, pause);
        let claimed: Awaited<ReturnType<TicketStore['poll']>>;
        try {
          claimed = await tickets.poll(key, taken.ticket, timing);
          failingSince = null;
        } catch (error) {
          // Ride out a blip shorter than the claim window; past it, this ticket is lost anyway.
          failingSince ??= Date.now();
          if (Date.now() - failingSince > timing.claimMs) throw error;
          continue;
        }
        if (claimed === 'gone') {
          // This process stalled past the claim window and was passed over: queue again.
          taken = await tickets.take(key, order ?? null, timing);
          if (taken.claimed) return hold(key, taken.ticket, taken.claimed);
        } else if (claimed) return hold(key, taken.ticket, claimed);
      }
    },
  };
}

interface Waiter {
  ticket: number;
  /** Admission order: the caller's own, else its ticket. */
  score: number;
  ordered: boolean;
  arrivedAt: number;
  seenAt: number;
}

interface Turns {
  next: number;
  holder: number;
  until: number;
  releasedAt: number;
  skipped: boolean;
  waiters: Waiter[];
}

/**
 * Who goes next, the same rule as the Redis scripts: the holder's expired lease is given up (and remembered);
 * dead waiters at the head are passed over; the head claims a free turn, unless it is an ordered caller on a
 * busy conversation still inside its hold-back.
 */
function admit(turns: Turns, ticket: number, now: number, timing: TurnTiming): Claim | null {
  if (turns.holder !== 0 && turns.holder !== ticket && turns.until < now) {
    turns.holder = 0;
    turns.skipped = true;
    turns.releasedAt = now;
  }
  if (turns.holder !== 0) return null;
  turns.waiters.sort((a, b) => a.score - b.score || a.ticket - b.ticket);
  while (
    turns.waiters[0] &&
    turns.waiters[0].ticket !== ticket &&
    turns.waiters[0].seenAt < now - timing.claimMs
  )
    turns.waiters.shift();
  const head = turns.waiters[0];
  if (head?.ticket !== ticket) return null;
  // A conversation just started (no turn ended yet) or just active: an earlier update may still be on its way.
  const busy = turns.releasedAt === 0 || now - turns.releasedAt < timing.busyMs;
  if (head.ordered && busy && now - head.arrivedAt < timing.holdBackMs) return null;
  turns.waiters.shift();
  turns.holder = ticket;
  turns.until = now + timing.leaseMs;
  const claim = { skippedExpired: turns.skipped };
  turns.skipped = false;
  return claim;
}

/** A key idle this long is forgotten (the Redis keys expire alike). */
const IDLE_MS = 10 * 60 * 1000;

/** The in-process ticket store, for one process without setup. */
export function createMemoryTicketStore(now: () => number = Date.now): TicketStore {
  const keys = new Map<string, Turns>();
  let nextSweep = now() + IDLE_MS;
  /**
   * Forgets keys idle for a while, so the map holds recent conversations only: one pass over the map every
   * IDLE_MS, on a release (no timer per turn).
   */
  const sweep = () => {
    if (now() < nextSweep) return;
    nextSweep = now() + IDLE_MS;
    for (const [key, turns] of keys) {
      const idle = turns.holder === 0 && turns.waiters.length === 0 && !turns.skipped;
      if (idle && now() - turns.releasedAt >= IDLE_MS) keys.delete(key);
    }
  };
  return {
    async take(key, order, timing) {
      const turns = keys.get(key) ?? {
        next: 0,
        holder: 0,
        until: 0,
        releasedAt: 0,
        skipped: false,
        waiters: [],
      };
      keys.set(key, turns);
      const ticket = ++turns.next;
      const at = now();
      turns.waiters.push({
        ticket,
        score: order ?? ticket,
        ordered: order !== null,
        arrivedAt: at,
        seenAt: at,
      });
      return { ticket, claimed: admit(turns, ticket, at, timing) };
    },
    async poll(key, ticket, timing) {
      const turns = keys.get(key);
      if (turns?.holder === ticket) return { skippedExpired: false }; // its claim's answer was lost
      const waiter = turns?.waiters.find((w) => w.ticket === ticket);
      if (!turns || !waiter) return 'gone';
      waiter.seenAt = now();
      return admit(turns, ticket, now(), timing);
    },
    async renew(key, ticket, leaseMs) {
      const turns = keys.get(key);
      if (turns?.holder !== ticket) return false;
      turns.until = now() + leaseMs;
      return true;
    },
    async release(key, ticket) {
      const turns = keys.get(key);
      if (turns?.holder !== ticket) return;
      turns.holder = 0;
      turns.releasedAt = now();
      sweep();
    },
  };
}
