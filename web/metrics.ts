import { Hono } from 'hono';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type CaseStatus, openStatuses } from '../core/ports/identity-cases';
import type { Telemetry } from '../core/ports/telemetry';
import { sameToken } from './tokens';

/** What the metrics read when scraped (from the records and the queue, so every instance reports the same). */
export interface MetricsSources {
  /** Jobs queued and not yet done. */
  jobsWaiting(): Promise<number>;
  identityCases(): Promise<{ status: CaseStatus; count: number; oldestSince: Date }[]>;
}

/**
 * Prometheus metrics of one instance (each is scraped on its own): what the engine and services report
 * (core/ports/telemetry.ts) as counters and a histogram, the queue and the identity cases read at each scrape, and
 * the process's own (memory, CPU, event loop). Labels are flows, steps, message keys, channels and outcomes only:
 * bounded, and never personal.
 */
export function createMetrics(sources: MetricsSources, now: () => number = Date.now) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const messages = new Counter({
    name: 'kabinet_messages_total',
    help: 'Messages handled, by channel and by the flow and step the conversation stood at; outcome: answered, refused (the answer was not taken) or failed (a step failed on our side)',
    labelNames: ['channel', 'flow', 'step', 'outcome'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'kabinet_refusals_total',
    help: 'Answers not taken, by flow, step and the reason given (its message key)',
    labelNames: ['flow', 'step', 'reason'],
    registers: [registry],
  });
  const stepSeconds = new Histogram({
    name: 'kabinet_step_duration_seconds',
    help: 'Time to handle a message, from taking the conversation’s turn to saving its answer, by flow and step',
    labelNames: ['flow', 'step'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const codes = new Counter({
    name: 'kabinet_codes_total',
    help: 'Codes handed to their gateway (sent) or given up on (failed), by where they go',
    labelNames: ['to', 'outcome'],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'kabinet_sign_ins_total',
    help: 'Sign-in attempts by outcome: ok, wrong, locked (the contact is locked out), budget (too many tries from this chat or client)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const givenUp = new Counter({
    name: 'kabinet_replies_given_up_total',
    help: 'Reply batches that could not be delivered and were given up on, by channel',
    labelNames: ['channel'],
    registers: [registry],
  });
  const sourceUp = new Gauge({
    name: 'kabinet_metrics_source_up',
    help: 'Whether a source read at this scrape answered in time (1) or not (0): the queue, the identity cases',
    labelNames: ['source'],
    registers: [registry],
    // Read with the gauges (a scrape reads every metric at once): known once both reads are in.
    async collect() {
      await Promise.all([jobsWaiting(), census()]);
    },
  });
  /**
   * One read of a source per scrape, bounded in time: a Postgres that does not answer would otherwise hold the
   * whole scrape (postgres.js has no client-side timeout) and lose the process metrics exactly when they matter.
   * Gauges read in parallel share the read, so they describe the same moment.
   */
  const perScrape = <T>(source: string, read: () => Promise<T>) => {
    let current: Promise<T | null> | null = null;
    return () => {
      current ??= withTimeout(read(), SOURCE_TIMEOUT_MS)
        .then(
          (value) => {
            sourceUp.set({ source }, 1);
            return value;
          },
          () => {
            sourceUp.set({ source }, 0);
            return null;
          },
        )
        .finally(() => {
          current = null; // the next scrape reads afresh
        });
      return current;
    };
  };
  const jobsWaiting = perScrape('queue', sources.jobsWaiting);
  const census = perScrape('identity_cases', sources.identityCases);

  new Gauge({
    name: 'kabinet_jobs_waiting',
    help: 'Jobs queued and not yet done (codes, replies, notices, reminders); NaN when the queue could not be read',
    registers: [registry],
    async collect() {
      this.set((await jobsWaiting()) ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'kabinet_identity_cases',
    help: 'Identity cases by status (every instance reports the same: do not sum across instances)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await census();
      this.reset();
      for (const row of rows ?? []) this.set({ status: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'kabinet_identity_case_oldest_seconds',
    help: 'How long the oldest open identity case of each status has waited (since it was sent for review, else opened)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await census();
      this.reset();
      for (const row of rows ?? [])
        if (openStatuses.includes(row.status))
          this.set({ status: row.status }, Math.max(0, (now() - row.oldestSince.getTime()) / 1000));
    },
  });

  const telemetry: Telemetry = {
    record(event) {
      switch (event.type) {
        case 'turn': {
          const { flow, step } = event;
          const outcome = event.failed ? 'failed' : event.refused ? 'refused' : 'answered';
          messages.inc({ channel: event.channel, flow, step, outcome });
          if (event.refused) refusals.inc({ flow, step, reason: event.refused });
          if (Number.isFinite(event.seconds)) stepSeconds.observe({ flow, step }, Math.max(0, event.seconds));
          return;
        }
        case 'code':
          return codes.inc({ to: event.to, outcome: event.outcome });
        case 'sign_in':
          return signIns.inc({ outcome: event.outcome });
        case 'delivery_given_up':
          return givenUp.inc({ channel: event.channel });
      }
    },
  };
  return { registry, telemetry };
}

/**
 * GET /metrics for a scraper holding `token` (Authorization: Bearer …, compared in constant time); 401 otherwise.
 * Mounted only when METRICS_TOKEN is set.
 */
export function createMetricsRoutes(registry: Registry, token: string) {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    // The scheme's letter case does not matter (RFC 9110 §11.1); the token's does.
    const scheme = /^bearer +(.*)$/i.exec(c.req.header('authorization') ?? '');
    if (!sameToken(scheme?.[1] ?? '', token))
      return c.text('A bearer token is required.', 401, { 'www-authenticate': 'Bearer' });
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  return app;
}

/** How long a scrape waits for a source (Prometheus gives a scrape 10 s by default). */
const SOURCE_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
