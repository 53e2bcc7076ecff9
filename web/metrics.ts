import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CaseStatus } from '../core/ports/identity-cases';
import type { Telemetry } from '../core/ports/telemetry';

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
  new Gauge({
    name: 'kabinet_jobs_waiting',
    help: 'Jobs queued and not yet done (codes, replies, notices, reminders)',
    registers: [registry],
    async collect() {
      // A source out of reach leaves its series out of this scrape rather than failing the others.
      const waiting = await sources.jobsWaiting().catch(() => null);
      if (waiting === null) this.reset();
      else this.set(waiting);
    },
  });
  const caseAges = new Gauge({
    name: 'kabinet_identity_case_oldest_seconds',
    help: 'How long the oldest identity case of each status has waited (since it was sent for review, else opened)',
    labelNames: ['status'],
    registers: [registry],
  });
  new Gauge({
    name: 'kabinet_identity_cases',
    help: 'Identity cases by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const census = await sources.identityCases().catch(() => null);
      this.reset();
      caseAges.reset();
      for (const row of census ?? []) {
        this.set({ status: row.status }, row.count);
        caseAges.set({ status: row.status }, Math.max(0, (now() - row.oldestSince.getTime()) / 1000));
      }
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
          stepSeconds.observe({ flow, step }, event.seconds);
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
  const expected = new TextEncoder().encode(`Bearer ${token}`);
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const given = new TextEncoder().encode(c.req.header('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return c.text('A bearer token is required.', 401, { 'www-authenticate': 'Bearer' });
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  return app;
}
