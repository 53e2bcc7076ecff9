import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFunnelRecorder, funnelEventsOf } from '../core/funnel';
import { silentLogger } from '../core/logger';
import type { FunnelEvent, FunnelRepository } from '../core/ports/funnel';
import type { TelemetryEvent } from '../core/ports/telemetry';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFunnelRepository } from '../db/funnel-repository';
import { createTestDatabase, serviceUrl } from './support/services';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;

/** One conversation's moves through registration: [step, minutes after T0, kind, reason]. */
type Move = [step: string, minute: number, kind?: FunnelEvent['kind'], reason?: string];

function life(name: string, moves: Move[], preset = 'soglasie', flow = 'registration'): FunnelEvent[] {
  return moves.map(([step, minute, kind = 'reached', reason], seq) => {
    const base = { at: new Date(T0 + minute * MIN), preset, flow, life: name, seq, step };
    return kind === 'refused' ? { ...base, kind, reason: reason ?? '' } : { ...base, kind };
  });
}

/**
 * Six conversations: two finish, two stop at the phone (one left for the menu, one went quiet), one stops at the
 * password; one entered before the period and one belongs to Victoria. Times are whole minutes, so the medians
 * can be worked out by hand.
 */
const seeded: FunnelEvent[] = [
  ...life('a', [
    ['email', 0],
    ['phone', 2],
    ['password', 3],
    ['password', 5, 'finished'],
  ]),
  ...life('b', [
    ['email', 10],
    ['email', 11, 'refused', 'reg.email.invalid'],
    ['email', 12, 'refused', 'reg.email.invalid'],
    ['phone', 14],
    ['password', 18],
    ['password', 19, 'finished'],
  ]),
  ...life('c', [
    ['email', 20],
    ['email', 21, 'refused', 'reg.email.invalid'],
    ['phone', 24],
    ['phone', 30, 'left'],
  ]),
  ...life('d', [
    ['email', 30],
    ['phone', 38],
    ['phone', 39, 'refused', 'reg.phone.invalid'],
  ]),
  ...life('e', [
    ['email', 40],
    ['phone', 41],
    ['password', 42],
  ]),
  ...life('before', [
    ['email', -60],
    ['phone', 10],
  ]),
  ...life(
    'kz',
    [
      ['email', 5],
      ['phone', 6],
    ],
    'victoria',
  ),
  // Recorded by two instances whose clocks differ by two minutes: its turn count orders it, not the time.
  ...life('skew', [
    ['email', 50],
    ['phone', 48],
    ['password', 53],
  ]),
];

function funnelSuite(
  name: string,
  open: () => Promise<{ funnel: FunnelRepository; close(): Promise<void> }>,
) {
  describe(`funnel report: ${name}`, () => {
    let opened: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      opened = await open();
      await opened.funnel.record(seeded);
    });
    afterAll(() => opened?.close());

    const period = {
      preset: 'soglasie',
      flow: 'registration',
      from: new Date(T0),
      to: new Date(T0 + 60 * MIN),
    };

    it('counts the conversations that entered in the period, per step, and where they stopped', async () => {
      const report = await opened.funnel.report(period);
      expect(report.entered).toBe(6);
      expect(report.finished).toBe(2);
      const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
      expect(byStep.email).toMatchObject({ reached: 6, stopped: 0 });
      expect(byStep.phone).toMatchObject({ reached: 6, stopped: 2 });
      expect(byStep.password).toMatchObject({ reached: 4, stopped: 2 });
    });

    it('gives the median time from reaching a step to moving on, and the commonest refusals by key', async () => {
      const report = await opened.funnel.report(period);
      const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
      // email → next move: 2, 4, 4, 8, 1 minutes, and 0 for the skewed one (not -2) → median 3.
      expect(byStep.email?.medianSeconds).toBe(180);
      // phone: 1, 4, 6 (left), 1, 5 → median 4 minutes; d never moved on.
      expect(byStep.phone?.medianSeconds).toBe(240);
      expect(byStep.email?.refusals).toEqual([{ reason: 'reg.email.invalid', count: 3 }]);
      expect(byStep.phone?.refusals).toEqual([{ reason: 'reg.phone.invalid', count: 1 }]);
    });

    it('keeps presets, flows and periods apart', async () => {
      const victoria = await opened.funnel.report({ ...period, preset: 'victoria' });
      expect(victoria.entered).toBe(1);
      const later = await opened.funnel.report({ ...period, from: new Date(T0 + 25 * MIN) });
      expect(later.entered).toBe(3); // d, e and skew
      // Entered before the period: not counted, though it moved on within it.
      const before = await opened.funnel.report({
        ...period,
        from: new Date(T0 - 120 * MIN),
        to: new Date(T0),
      });
      expect(before.entered).toBe(1);
      const signIn = await opened.funnel.report({ ...period, flow: 'sign-in' });
      expect(signIn).toEqual({ entered: 0, finished: 0, steps: [] });
    });

    it('forgets events older than a date', async () => {
      const purged = await opened.funnel.purgeBefore(new Date(T0));
      expect(purged).toBe(1); // 'before' entered an hour early
      const report = await opened.funnel.report({ ...period, from: new Date(T0 - 120 * MIN) });
      expect(report.entered).toBe(7);
    });
  });
}

const openPglite = async () => {
  const database = await openDatabase({ dataDir: null });
  return { funnel: createFunnelRepository(database.db), close: database.close };
};
funnelSuite('PGlite (embedded)', openPglite);

const databaseUrl = serviceUrl('DATABASE_URL');
if (databaseUrl) {
  funnelSuite(`Postgres at ${new URL(databaseUrl).host}`, async () => {
    const testDatabase = await createTestDatabase(databaseUrl);
    const database: OpenDatabase = await openDatabase({ url: testDatabase.url });
    return {
      funnel: createFunnelRepository(database.db),
      async close() {
        await database.close();
        await testDatabase.drop();
      },
    };
  });
} else {
  describe.skip('funnel report: Postgres (set DATABASE_URL to run)', () => {
    it('runs against real Postgres', () => {});
  });
}

describe('what a message adds to the funnel', () => {
  const turn = (over: Partial<Extract<TelemetryEvent, { type: 'turn' }>>) =>
    ({
      type: 'turn',
      channel: 'web',
      flow: 'registration',
      step: 'email',
      refused: null,
      failed: false,
      seconds: 0.01,
      life: 'L',
      seq: 3,
      reached: null,
      finished: null,
      ...over,
    }) as const;
  const at = new Date(T0);
  const kinds = (events: FunnelEvent[]) =>
    events.map((e) => `${e.kind} ${e.flow}/${e.step}${'reason' in e ? ` ${e.reason}` : ''}`);

  it('a refusal at the step it stood at, and nothing else when it stays', () => {
    expect(kinds(funnelEventsOf(turn({ refused: 'reg.email.invalid' }), 'soglasie', at))).toEqual([
      'refused registration/email reg.email.invalid',
    ]);
  });

  it('a step reached; a flow left for another; a flow finished into the one it leads to', () => {
    expect(
      kinds(funnelEventsOf(turn({ reached: { flow: 'registration', step: 'phone' } }), 's', at)),
    ).toEqual(['reached registration/phone']);
    // The menu is no funnel: nothing of it is kept.
    expect(kinds(funnelEventsOf(turn({ reached: { flow: 'menu', step: 'choose' } }), 's', at))).toEqual([
      'left registration/email',
    ]);
    expect(kinds(funnelEventsOf(turn({ reached: { flow: 'sign-in', step: 'contact' } }), 's', at))).toEqual([
      'left registration/email',
      'reached sign-in/contact',
    ]);
    const finished = turn({
      step: 'phone_code',
      reached: { flow: 'profile', step: 'name' },
      finished: 'registration',
    });
    expect(kinds(funnelEventsOf(finished, 's', at))).toEqual([
      'finished registration/phone_code',
      'reached profile/name',
    ]);
  });

  it('a new conversation only arrives', () => {
    const fresh = turn({ flow: 'start', step: 'start', reached: { flow: 'sign-in', step: 'contact' } });
    expect(kinds(funnelEventsOf(fresh, 's', at))).toEqual(['reached sign-in/contact']);
  });
});

describe('the funnel recorder', () => {
  const turnAt = (life: string, seq: number, step: string) =>
    ({
      type: 'turn',
      channel: 'web',
      flow: 'registration',
      step: 'email',
      refused: null,
      failed: false,
      seconds: 0.01,
      life,
      seq,
      reached: { flow: 'registration', step },
      finished: null,
    }) as const;
  const lifeKey = new Uint8Array(32).fill(3);

  it('writes lives as keyed pseudonyms, in chunks a statement can take, and tries again after the records fail', async () => {
    const written: FunnelEvent[][] = [];
    let failing = true;
    const warnings: string[] = [];
    const recorder = createFunnelRecorder({
      repository: {
        async record(events) {
          if (failing) throw new Error('connect ECONNREFUSED');
          written.push(events);
        },
        report: async () => ({ entered: 0, finished: 0, steps: [] }),
        purgeBefore: async () => 0,
      },
      preset: 'soglasie',
      lifeKey,
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
      flushEveryMs: 20,
    });
    for (let i = 0; i < 2500; i++) recorder.telemetry.record(turnAt(`epoch-${i % 3}`, i, 'phone'));
    await recorder.flush();
    expect(written).toEqual([]);
    expect(warnings).toContain('funnel events not written; kept for the next try');
    failing = false;
    // Tried again on its own, without a new event or a flush.
    await vi.waitFor(() => expect(written.flat()).toHaveLength(2500), { timeout: 2000 });
    expect(Math.max(...written.map((chunk) => chunk.length))).toBeLessThanOrEqual(1000);
    const lives = new Set(written.flat().map((e) => e.life));
    expect(lives.size).toBe(3);
    for (const life of lives) expect(life).not.toContain('epoch');
  });

  it('keeps at most so many while the records are away, and says how many it dropped', async () => {
    const warnings: Record<string, unknown>[] = [];
    const recorder = createFunnelRecorder({
      repository: {
        record: async () => {
          throw new Error('down');
        },
        report: async () => ({ entered: 0, finished: 0, steps: [] }),
        purgeBefore: async () => 0,
      },
      preset: 'soglasie',
      lifeKey,
      logger: { ...silentLogger, warn: (message, fields) => warnings.push({ message, ...fields }) },
      maxWaiting: 10,
      flushEveryMs: 60_000,
    });
    for (let i = 0; i < 25; i++) recorder.telemetry.record(turnAt('e', i, 'phone'));
    await recorder.flush();
    expect(warnings).toContainEqual(expect.objectContaining({ waiting: 10 }));
    expect(warnings).toContainEqual({
      message: 'funnel events dropped while the records were away',
      dropped: 15,
    });
  });
});
