import type { TurnLease, TurnLock } from '../../core/ports/turn-lock';

/** What a ticket dispenser holds per key. Times in epoch ms of the store's clock. */
export interface TicketState {
  /** The ticket whose turn it is. */
  serving: number;
  /** Until when `serving` may hold the turn (a lease while working, a short claim window before). */
  until: number;
  /** The store's clock when this was read. */
  now: number;
}

/**
 * The atomic operations the lock needs; Redis runs each as one Lua script, the memory twin synchronously.
 * Both are checked by the TurnLock contract suite.
 */
export interface TicketStore {
  /**
   * Takes the next ticket. When nobody holds or waits for the key, the ticket is served at once with `leaseMs`
   * and `claimed` says whether an expired holder was skipped since the last claim; otherwise `claimed` is null.
   */
  take(
    key: string,
    leaseMs: number,
  ): Promise<TicketState & { ticket: number; claimed: { skippedExpired: boolean } | null }>;
  peek(key: string): Promise<TicketState | null>;
  /**
   * Claims the turn for `ticket` when it is being served: sets the lease and returns whether an expired holder
   * was skipped since the last claim (then clears that mark). Null when `ticket` is not being served.
   */
  claim(key: string, ticket: number, leaseMs: number): Promise<{ skippedExpired: boolean } | null>;
  /**
   * Moves the turn from `from` to the next ticket, which gets `claimMs` to notice. With `expiredOnly`, only when
   * `from`'s lease has run out (and the skip is remembered for the next claim). True when it moved.
   */
  advance(key: string, from: number, claimMs: number, expiredOnly: boolean): Promise<boolean>;
}

export interface TicketLockOptions {
  /** How long a holder may go without renewing before it is skipped. Milliseconds. */
  leaseMs?: number;
  /** How long a ticket whose turn came has to claim it. Milliseconds. */
  claimMs?: number;
  /** Longest pause between two looks while waiting. Milliseconds. */
  maxPollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A ticket lock (a bakery queue) per key: arrival order decides, not whoever polls first when the lock frees,
 * so one chat's messages arriving 3 ms apart at two instances are handled in that order. The holder renews its
 * lease a few times per lease period while it works.
 */
export function createTicketLock(tickets: TicketStore, options: TicketLockOptions = {}): TurnLock {
  const leaseMs = options.leaseMs ?? 10_000;
  const claimMs = options.claimMs ?? 2_000;
  const maxPollMs = options.maxPollMs ?? 20;

  function hold(key: string, ticket: number, tookOver: boolean): TurnLease {
    const renew = setInterval(() => void tickets.claim(key, ticket, leaseMs).catch(() => {}), leaseMs / 4);
    renew.unref?.();
    let released = false;
    return {
      tookOver,
      async release() {
        if (released) return;
        released = true;
        clearInterval(renew);
        await tickets.advance(key, ticket, claimMs, false);
      },
    };
  }

  return {
    async acquire(key) {
      let taken = await tickets.take(key, leaseMs);
      if (taken.claimed) return hold(key, taken.ticket, taken.claimed.skippedExpired);
      let seen: TicketState | null = taken;
      let pause = 1;
      for (;;) {
        if (!seen || seen.serving > taken.ticket) {
          // Our turn came and went while we were not looking (a stalled event loop), or the key expired: queue again.
          taken = await tickets.take(key, leaseMs);
          if (taken.claimed) return hold(key, taken.ticket, taken.claimed.skippedExpired);
          seen = taken;
        } else if (seen.serving === taken.ticket) {
          const claimed = await tickets.claim(key, taken.ticket, leaseMs);
          if (claimed) return hold(key, taken.ticket, claimed.skippedExpired);
        } else if (seen.until < seen.now) {
          await tickets.advance(key, seen.serving, claimMs, true);
        }
        await sleep(pause);
        pause = Math.min(pause * 2, maxPollMs);
        seen = await tickets.peek(key);
      }
    },
  };
}

interface Dispenser {
  next: number;
  serving: number;
  until: number;
  skipped: boolean;
}

/** The in-process ticket store, for one process without setup. */
export function createMemoryTicketStore(now: () => number = Date.now): TicketStore {
  const dispensers = new Map<string, Dispenser>();
  const state = (d: Dispenser): TicketState => ({ serving: d.serving, until: d.until, now: now() });
  const claim = (d: Dispenser, leaseMs: number) => {
    d.until = now() + leaseMs;
    const skippedExpired = d.skipped;
    d.skipped = false;
    return { skippedExpired };
  };
  return {
    async take(key, leaseMs) {
      let d = dispensers.get(key);
      if (!d) {
        d = { next: 0, serving: 1, until: 0, skipped: false };
        dispensers.set(key, d);
      }
      const ticket = ++d.next;
      const claimed = ticket === d.serving ? claim(d, leaseMs) : null;
      return { ...state(d), ticket, claimed };
    },
    async peek(key) {
      const d = dispensers.get(key);
      return d ? state(d) : null;
    },
    async claim(key, ticket, leaseMs) {
      const d = dispensers.get(key);
      return d && d.serving === ticket ? claim(d, leaseMs) : null;
    },
    async advance(key, from, claimMs, expiredOnly) {
      const d = dispensers.get(key);
      if (!d || d.serving !== from || (expiredOnly && d.until >= now())) return false;
      if (expiredOnly) d.skipped = true;
      d.serving = from + 1;
      d.until = now() + claimMs;
      // Nobody waits: forget the key, so the map holds only conversations with a turn in flight.
      if (d.serving > d.next && !d.skipped) dispensers.delete(key);
      return true;
    },
  };
}
