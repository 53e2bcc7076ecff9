/**
 * Durable background work: replies to send, codes to deliver, notices for a conversation. Jobs outlive the
 * process that queued them and are retried with backoff. Production and embedded: pg-boss (Postgres, PGlite);
 * tests may use the in-process twin. Both pass `test/contracts/job-queue.contract.ts`.
 */
export interface JobQueue {
  /**
   * Queues a job. `key` makes it idempotent: sending the same key again (a retried webhook, a re-run turn) adds
   * nothing while the first job is kept (hours after it finished). True when this call queued it.
   */
  send(queue: QueueName, data: JobData, key: string, options?: SendOptions): Promise<boolean>;
  /**
   * Runs `handler` for the queue's jobs, several at a time and in no promised order (what needs an order keeps
   * it itself: replies by their batch numbers, notices by the turn lock). A handler that throws is retried after
   * the queue's delay, doubling each time, until its retry limit.
   */
  work(queue: QueueName, handler: JobHandler): Promise<void>;
  /**
   * Jobs not finished yet (queued, running or waiting for a retry), over every queue: the queue depth. Jobs
   * scheduled for later (`startAfter`) are not counted until they come due.
   */
  pending(): Promise<number>;
  /** Stops taking jobs and waits up to `graceMs` for running ones; what is left runs elsewhere or after restart. */
  stop(graceMs?: number): Promise<void>;
}

/** JSON-serialisable payload; never a secret in clear (jobs are stored in Postgres). */
export type JobData = Record<string, unknown>;

export interface SendOptions {
  /** Not run before this moment (a reminder); survives restarts like any job. */
  startAfter?: Date;
}

/**
 * A job named by a change of records, queued in the change's own transaction (a decision and the notice telling
 * it): both are kept or neither, so a crash between them loses nothing.
 */
export interface QueuedJob extends SendOptions {
  queue: QueueName;
  data: JobData;
  key: string;
}

export interface Job {
  data: JobData;
  /** Tries before this one: 0 on the first. */
  retries: number;
  /** No try follows this one: a handler that cannot succeed now records the failure rather than throw. */
  lastAttempt: boolean;
  /**
   * Epoch ms by which the handler should be done (well inside the job's expiry): past its expiry a job counts as
   * dead and runs again elsewhere, so a handler starts nothing customer-visible after this and throws instead.
   */
  deadline: number;
}

export type JobHandler = (job: Job) => Promise<void>;

/** How a queue's jobs are retried. */
export interface QueueSettings {
  /** Tries after the first. */
  retryLimit: number;
  /** Before the first retry; doubled for each further one. Seconds, ≥ 1. */
  retryDelaySeconds: number;
  /** A try still running after this long counts as failed (its process died) and is retried. Seconds. */
  expireInSeconds: number;
}

export type QueueName = 'reply' | 'code' | 'notice' | 'message' | 'activation' | 'desk' | 'retention';

/**
 * The queues and their retries. A reply is retried for about a minute (then the chat is given up and recorded);
 * a code for about half a minute (a code arriving later than that is worth less than a "try again" notice).
 * `expireInSeconds` is also how long a dead instance's running jobs wait before another instance takes them.
 */
export const queueSettings: Record<QueueName, QueueSettings> = {
  reply: { retryLimit: 5, retryDelaySeconds: 2, expireInSeconds: 60 },
  code: { retryLimit: 3, retryDelaySeconds: 3, expireInSeconds: 60 },
  notice: { retryLimit: 8, retryDelaySeconds: 2, expireInSeconds: 60 },
  /** A security notice to a contact (the password changed): worth a few minutes of retries. */
  message: { retryLimit: 6, retryDelaySeconds: 5, expireInSeconds: 60 },
  /** The activation e-mail (Victoria): without it the customer cannot get in, so it is retried for minutes. */
  activation: { retryLimit: 6, retryDelaySeconds: 5, expireInSeconds: 60 },
  /** Staff's desk (Slack): a case posted, its message updated, a reminder; Slack's bad minutes are waited out. */
  desk: { retryLimit: 8, retryDelaySeconds: 5, expireInSeconds: 60 },
  /** An hour's purge of what is kept no longer (core/retention.ts); the next hour's run picks up what is left. */
  retention: { retryLimit: 2, retryDelaySeconds: 60, expireInSeconds: 600 },
};
