import {
  type Job,
  type JobData,
  type JobHandler,
  type JobQueue,
  type QueueName,
  type QueueSettings,
  queueSettings,
} from '../../core/ports/job-queue';

interface Pending {
  queue: QueueName;
  data: JobData;
  retries: number;
  group: string;
}

/**
 * The in-process twin of the pg-boss queue, for tests: same idempotent keys, grouping and retries, nothing
 * survives the process. `settled()` waits until no job is queued, running or waiting for a retry.
 */
export function createMemoryJobQueue(
  options: { settings?: Record<QueueName, QueueSettings>; delayScale?: number } = {},
) {
  const settings = options.settings ?? queueSettings;
  const delayScale = options.delayScale ?? 1;
  const keys = new Set<string>();
  const handlers = new Map<QueueName, { handler: JobHandler; groupOf?: (data: JobData) => string }>();
  const backlog = new Map<QueueName, Pending[]>();
  /** Groups with a job running: their next job waits. */
  const busy = new Set<string>();
  let inFlight = 0;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const checkSettled = () => {
    if (inFlight > 0 || [...backlog.values()].some((jobs) => jobs.length > 0)) return;
    for (const wake of waiters) wake();
    waiters = [];
  };

  function pump(queue: QueueName) {
    const worker = handlers.get(queue);
    const jobs = backlog.get(queue) ?? [];
    if (!worker || stopped) return;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as Pending;
      if (busy.has(job.group)) continue;
      jobs.splice(i--, 1);
      run(queue, job, worker.handler);
    }
    checkSettled();
  }

  function run(queue: QueueName, pending: Pending, handler: JobHandler) {
    const { retryLimit, retryDelaySeconds } = settings[queue];
    busy.add(pending.group);
    inFlight++;
    const job: Job = {
      data: pending.data,
      retries: pending.retries,
      lastAttempt: pending.retries >= retryLimit,
      deadline: Date.now() + settings[queue].expireInSeconds * 600,
    };
    void handler(job)
      .catch(() => {
        if (job.lastAttempt) return;
        inFlight++; // the retry's wait counts as work in flight
        const delay = retryDelaySeconds * 2 ** pending.retries * 1000 * delayScale;
        setTimeout(() => {
          inFlight--;
          enqueue(queue, { ...pending, retries: pending.retries + 1 }, true);
        }, delay).unref?.();
      })
      .finally(() => {
        busy.delete(pending.group);
        inFlight--;
        pump(queue);
      });
  }

  function enqueue(queue: QueueName, pending: Pending, front = false) {
    const jobs = backlog.get(queue) ?? [];
    if (front) jobs.unshift(pending);
    else jobs.push(pending);
    backlog.set(queue, jobs);
    queueMicrotask(() => pump(queue));
  }

  const queue: JobQueue & { settled(): Promise<void> } = {
    async send(name, data, key) {
      if (keys.has(`${name}:${key}`)) return;
      keys.add(`${name}:${key}`);
      const groupOf = handlers.get(name)?.groupOf;
      enqueue(name, { queue: name, data, retries: 0, group: groupOf ? `${name}:${groupOf(data)}` : key });
    },
    async work(name, handler, workOptions = {}) {
      handlers.set(name, { handler, groupOf: workOptions.groupOf });
      // Jobs queued before a worker existed get their group now.
      for (const job of backlog.get(name) ?? []) {
        if (workOptions.groupOf) job.group = `${name}:${workOptions.groupOf(job.data)}`;
      }
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
