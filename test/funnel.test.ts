import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { funnelEventsOf } from '../core/funnel';
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
  return moves.map(([step, minute, kind = 'reached', reason]) => {
    const base = { at: new Date(T0 + minute * MIN), preset, flow, life: name, step };
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
      expect(report.entered).toBe(5);
      expect(report.finished).toBe(2);
      const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
      expect(byStep.email).toMatchObject({ reached: 5, stopped: 0 });
      expect(byStep.phone).toMatchObject({ reached: 5, stopped: 2 });
      expect(byStep.password).toMatchObject({ reached: 3, stopped: 1 });
    });

    it('gives the median time from reaching a step to moving on, and the commonest refusals by key', async () => {
      const report = await opened.funnel.report(period);
      const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
      // email → next move: 2, 4, 4, 8, 1 minutes → median 4.
      expect(byStep.email?.medianSeconds).toBe(240);
      // phone: 1, 4, 6 (left), 1 → median 2.5 minutes; d never moved on.
      expect(byStep.phone?.medianSeconds).toBe(150);
      expect(byStep.email?.refusals).toEqual([{ reason: 'reg.email.invalid', count: 3 }]);
      expect(byStep.phone?.refusals).toEqual([{ reason: 'reg.phone.invalid', count: 1 }]);
    });

    it('keeps presets, flows and periods apart', async () => {
      const victoria = await opened.funnel.report({ ...period, preset: 'victoria' });
      expect(victoria.entered).toBe(1);
      const later = await opened.funnel.report({ ...period, from: new Date(T0 + 25 * MIN) });
      expect(later.entered).toBe(2); // d and e
      const signIn = await opened.funnel.report({ ...period, flow: 'sign-in' });
      expect(signIn).toEqual({ entered: 0, finished: 0, steps: [] });
    });

    it('forgets events older than a date', async () => {
      const purged = await opened.funnel.purgeBefore(new Date(T0));
      expect(purged).toBe(1); // 'before' entered an hour early
      const report = await opened.funnel.report({ ...period, from: new Date(T0 - 120 * MIN) });
      expect(report.entered).toBe(6);
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
    expect(kinds(funnelEventsOf(turn({ reached: { flow: 'menu', step: 'choose' } }), 's', at))).toEqual([
      'left registration/email',
      'reached menu/choose',
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
    const fresh = turn({ flow: 'start', step: 'start', reached: { flow: 'menu', step: 'choose' } });
    expect(kinds(funnelEventsOf(fresh, 's', at))).toEqual(['reached menu/choose']);
  });
});
