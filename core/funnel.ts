import { base64url } from './digest';
import { homeFlow } from './flows';
import { describeError, type Logger } from './logger';
import type { FunnelEvent, FunnelRepository } from './ports/funnel';
import type { Telemetry, TelemetryEvent } from './ports/telemetry';

type TurnEvent = Extract<TelemetryEvent, { type: 'turn' }>;

/**
 * What one handled message adds to the funnel: a refusal where it stood, the flow it left or finished, where it
 * went. The menu (the home flow) is no funnel: nothing of it is kept.
 */
export function funnelEventsOf(event: TurnEvent, preset: string, at: Date): FunnelEvent[] {
  const base = { at, preset, life: event.life, seq: event.seq };
  // `start`: a new or expired conversation, which stood nowhere in this life.
  const stood = event.flow === 'start' ? null : { ...base, flow: event.flow, step: event.step };
  const events: FunnelEvent[] = [];
  if (stood && event.refused) events.push({ ...stood, kind: 'refused', reason: event.refused });
  const leaves = stood && event.reached && event.reached.flow !== stood.flow;
  if (stood && event.finished === stood.flow) events.push({ ...stood, kind: 'finished' });
  else if (stood && leaves) events.push({ ...stood, kind: 'left' });
  if (event.reached) events.push({ ...base, ...event.reached, kind: 'reached' });
  return events.filter((e) => e.flow !== homeFlow);
}

/** Rows per insert: Postgres takes at most 65,535 parameters in one statement (8 a row). */
const CHUNK = 1000;

/**
 * Writes the funnel's events in batches (a row per message would cost a round trip per message): at most a second
 * late, and at `flush()` when the instance stops. While the records are away the events wait, up to `maxWaiting`,
 * and are tried again every few seconds; beyond that the oldest are dropped and said so: the funnel is worth less
 * than the memory of a live instance. A conversation's life is written as an HMAC under `lifeKey`: the state store
 * knows the life of a chat, and the funnel must not lead back to it.
 */
export function createFunnelRecorder(options: {
  repository: FunnelRepository;
  preset: string;
  lifeKey: Uint8Array;
  logger: Logger;
  now?: () => number;
  flushEveryMs?: number;
  maxWaiting?: number;
}) {
  const now = options.now ?? Date.now;
  const every = options.flushEveryMs ?? 1000;
  const maxWaiting = options.maxWaiting ?? 10_000;
  const key = crypto.subtle.importKey('raw', options.lifeKey, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  let waiting: FunnelEvent[] = [];
  let dropped = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> = Promise.resolve();

  const pseudonym = async (life: string) =>
    base64url(
      new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(life))),
    ).slice(0, 22);

  function keepAtMost(limit: number) {
    if (waiting.length <= limit) return;
    dropped += waiting.length - limit;
    waiting = waiting.slice(waiting.length - limit);
  }

  function schedule(ms: number) {
    if (timer || waiting.length === 0) return;
    timer = setTimeout(() => void flush(), ms);
    timer.unref?.();
  }

  async function write() {
    const batch = waiting;
    waiting = [];
    let written = 0;
    try {
      const names = new Map<string, string>();
      for (const event of batch)
        if (!names.has(event.life)) names.set(event.life, await pseudonym(event.life));
      const rows = batch.map((event) => ({ ...event, life: names.get(event.life) ?? '' }));
      for (; written < rows.length; written += CHUNK)
        await options.repository.record(rows.slice(written, written + CHUNK));
    } catch (error) {
      waiting = [...batch.slice(written), ...waiting];
      keepAtMost(maxWaiting);
      options.logger.warn('funnel events not written; kept for the next try', {
        waiting: waiting.length,
        error: describeError(error).slice(0, 300), // a failed insert quotes its statement
      });
      schedule(every * 5);
    }
    if (dropped > 0) {
      options.logger.warn('funnel events dropped while the records were away', { dropped });
      dropped = 0;
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
      keepAtMost(maxWaiting);
      schedule(every);
    },
  };
  return { telemetry, flush };
}

export type FunnelRecorder = ReturnType<typeof createFunnelRecorder>;
