/**
 * One turn of a conversation at a time, first come first served, across every instance sharing the store.
 * Production: Redis; embedded: in-process. Both pass `test/contracts/turn-lock.contract.ts`.
 */
export interface TurnLock {
  /**
   * Waits until it is this caller's turn for `key`: by `order` when the channel numbers its events (Telegram's
   * update_id), else in the order callers arrived. A holder that stops renewing its lease (a crashed process) is
   * skipped once the lease runs out, so a conversation never stays blocked.
   */
  acquire(key: string, order?: number): Promise<TurnLease>;
}

export interface TurnLease {
  /**
   * A holder before this one was skipped because its lease ran out: it may have died between saving a turn
   * and handing over that turn's replies, so the caller re-delivers the latest ones (delivery is idempotent).
   */
  tookOver: boolean;
  /**
   * True once a renewal found the turn gone (this holder stalled past its lease and the next one was let in):
   * the holder must not save. A snapshot, renewed a few times per lease period.
   */
  lost(): boolean;
  /** Lets the next caller in. Idempotent. */
  release(): Promise<void>;
}
