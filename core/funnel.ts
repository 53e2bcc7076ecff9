import { describeError, type Logger } from './logger';
import type { FunnelEvent, FunnelRepository } from './ports/funnel';
import type { Telemetry, TelemetryEvent } from './ports/telemetry';

type TurnEvent = Extract<TelemetryEvent, { type: 'turn' }>;

/** What one handled message adds to the funnel: a refusal where it stood, the flow it left or finished, where it went. */
export function funnelEventsOf(event: TurnEvent, preset: string, at: Date): FunnelEvent[] {
  const base = { at, preset, life: event.life };
  // `start`: a new or expired conversation, which stood nowhere in this life.
  const stood = event.flow === 'start' ? null : { ...base, flow: event.flow, step: event.step };
  const events: FunnelEvent[] = [];
  if (stood && event.refused) events.push({ ...stood, kind: 'refused', reason: event.refused });
  const leaves = stood && event.reached && event.reached.flow !== stood.flow;
  if (stood && event.finished === stood.flow) events.push({ ...stood, kind: 'finished' });
  else if (stood && leaves) events.push({ ...stood, kind: 'left' });
  if (event.reached) events.push({ ...base, ...event.reached, kind: 'reached' });
  return events;
}

/**
 * Writes the funnel's events in batches (a row per message would cost a round trip per message): at most a second
 * late, and at `flush()` when the instance stops. While the records are away the events wait, up to `maxWaiting`;
 * beyond that the oldest are dropped and said so: the funnel is worth less than the memory of a live instance.
 */
export function createFunnelRecorder(options: {
  repository: FunnelRepository;
  preset: string;
  logger: Logger;
  now?: () => number;
  flushEveryMs?: number;
  maxWaiting?: number;
}) {
  const now = options.now ?? Date.now;
  const maxWaiting = options.maxWaiting ?? 10_000;
  let waiting: FunnelEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function write() {
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    try {
      await options.repository.record(batch);
    } catch (error) {
      waiting = [...batch, ...waiting];
      const dropped = waiting.length - maxWaiting;
      if (dropped > 0) waiting = waiting.slice(dropped);
      options.logger.warn('funnel events not written; kept for the next try', {
        waiting: waiting.length,
        dropped: Math.max(0, dropped),
        error: describeError(error),
      });
    }
  }

  /** Writes what waits, after any write under way (one at a time keeps their order and the pool calm). */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    writing = writing.then(write);
    return writing;
  }

  const telemetry: Telemetry = {
    record(event) {
      if (event.type !== 'turn') return;
      waiting.push(...funnelEventsOf(event, options.preset, new Date(now())));
      if (waiting.length > maxWaiting) waiting = waiting.slice(waiting.length - maxWaiting);
      if (!timer && waiting.length > 0) {
        timer = setTimeout(() => void flush(), options.flushEveryMs ?? 1000);
        timer.unref?.();
      }
    },
  };
  return { telemetry, flush };
}

export type FunnelRecorder = ReturnType<typeof createFunnelRecorder>;
