import {
  type Job,
  type JobData,
  type JobHandler,
  type JobQueue,
  type QueueName,
  type QueueSettings,
  queueSettings,
} from '../../core/ports/job-queue';

/**
 * The in-process twin of the pg-boss queue, for tests: same idempotent keys and retries with doubling delays,
 * nothing survives the process (and keys are remembered for its life, where pg-boss forgets them once a job is
 * archived). `settled()` waits until no job is queued, running or waiting for a retry.
 */
export function createMemoryJobQueue(
  options: { settings?: Record<QueueName, QueueSettings>; delayScale?: number } = {},
) {
  const settings = options.settings ?? queueSettings;
  const delayScale = options.delayScale ?? 1;
  const keys = new Set<string>();
  const handlers = new Map<QueueName, JobHandler>();
  const backlog = new Map<QueueName, { data: JobData; retries: number }[]>();
  let inFlight = 0;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const checkSettled = () => {
    if (inFlight > 0 || [...backlog.values()].some((jobs) => jobs.length > 0)) return;
    for (const wake of waiters) wake();
    waiters = [];
  };

  function pump(queue: QueueName) {
    const handler = handlers.get(queue);
    if (handler && !stopped) {
      for (const job of (backlog.get(queue) ?? []).splice(0)) run(queue, job, handler);
    }
    checkSettled();
  }

  function run(queue: QueueName, pending: { data: JobData; retries: number }, handler: JobHandler) {
    const { retryLimit, retryDelaySeconds, expireInSeconds } = settings[queue];
    inFlight++;
    const job: Job = {
      data: pending.data,
      retries: pending.retries,
      lastAttempt: pending.retries >= retryLimit,
      deadline: Date.now() + expireInSeconds * 600,
    };
    void handler(job)
      .catch(() => {
        if (job.lastAttempt) return;
        inFlight++; // the retry's wait counts as work in flight
        setTimeout(
          () => {
            inFlight--;
            enqueue(queue, { ...pending, retries: pending.retries + 1 });
          },
          retryDelaySeconds * 2 ** pending.retries * 1000 * delayScale,
        ).unref?.();
      })
      .finally(() => {
        inFlight--;
        pump(queue);
      });
  }

  function enqueue(queue: QueueName, pending: { data: JobData; retries: number }) {
    backlog.set(queue, [...(backlog.get(queue) ?? []), pending]);
    queueMicrotask(() => pump(queue));
  }

  const queue: JobQueue & { settled(): Promise<void> } = {
    async send(name, data, key, options) {
      if (keys.has(`${name}:${key}`)) return false;
      keys.add(`${name}:${key}`);
      const wait = (options?.startAfter?.getTime() ?? 0) - Date.now();
      // A job for later is not work in flight until it comes due (pg-boss's pending() counts it the same way).
      if (wait > 0) setTimeout(() => enqueue(name, { data, retries: 0 }), wait).unref?.();
      else enqueue(name, { data, retries: 0 });
      return true;
    },
    async work(name, handler) {
      handlers.set(name, handler);
      pump(name);
    },
    async pending() {
      return inFlight + [...backlog.values()].reduce((sum, jobs) => sum + jobs.length, 0);
    },
    async stop() {
      stopped = true;
    },
    settled: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        checkSettled();
      }),
  };
  return queue;
}

export type MemoryJobQueue = ReturnType<typeof createMemoryJobQueue>;
