/**
 * One turn of a conversation at a time, first come first served, across every instance sharing the store.
 * Production: Redis; embedded: in-process. Both pass `test/contracts/turn-lock.contract.ts`.
 */
export interface TurnLock {
  /**
   * Waits until it is this caller's turn for `key`, in the order callers arrived. A holder that stops renewing
   * its lease (a crashed process) is skipped once the lease runs out, so a conversation never stays blocked.
   */
  acquire(key: string): Promise<TurnLease>;
}

export interface TurnLease {
  /**
   * A holder before this one was skipped because its lease ran out: it may have died between saving a turn
   * and handing over that turn's replies, so the caller re-delivers the latest ones (delivery is idempotent).
   */
  tookOver: boolean;
  /** Lets the next caller in. Idempotent. */
  release(): Promise<void>;
}
