import { lt, sql } from 'drizzle-orm';
import type { FunnelRepository, FunnelStep } from '../core/ports/funnel';
import type { Database } from './database';
import { rowsOf } from './rows';
import { funnelEvents } from './schema';

type ReportRow = {
  part: 'entered' | 'step' | 'stopped' | 'finished' | 'refused';
  step: string | null;
  reason: string | null;
  n: number;
  median: number | null;
};

const TOP_REFUSALS = 3;

export function createFunnelRepository(db: Database): FunnelRepository {
  return {
    async record(events) {
      if (events.length === 0) return;
      await db.insert(funnelEvents).values(
        events.map((event) => ({
          at: event.at,
          preset: event.preset,
          flow: event.flow,
          life: event.life,
          seq: event.seq,
          kind: event.kind,
          step: event.step,
          reason: event.kind === 'refused' ? event.reason : null,
        })),
      );
    },

    async report({ preset, flow, from, to }) {
      // One pass over the flow's events: the lives that entered in the period (their first step reached in it),
      // then, for each, the steps it reached, how long it stayed at each (until its next move: a step, the end,
      // or leaving), where it was last, and what was refused where. A life's events are ordered by its turn count
      // (instances' clocks may differ: a duration they make negative counts as none). Times go as text:
      // postgres.js takes no Date in raw SQL.
      const [start, end] = [from.toISOString(), to.toISOString()];
      const result = await db.execute(sql`
        with entered as (
          select distinct e.life from ${funnelEvents} e
          where e.preset = ${preset} and e.flow = ${flow} and e.kind = 'reached'
            and e.at >= ${start}::timestamptz and e.at < ${end}::timestamptz
            and not exists (
              select 1 from ${funnelEvents} b
              where b.life = e.life and b.flow = ${flow} and b.preset = ${preset} and b.kind = 'reached'
                and b.at < ${start}::timestamptz
            )
        ),
        ev as (
          select e.id, e.life, e.seq, e.kind, e.step, e.reason, e.at from ${funnelEvents} e join entered using (life)
          where e.preset = ${preset} and e.flow = ${flow}
        ),
        moves as (
          select life, kind, step, at, lead(at) over (partition by life order by seq, id) as next_at
          from ev where kind <> 'refused'
        ),
        last as (
          select distinct on (life) life, kind, step from ev where kind <> 'refused' order by life, seq desc, id desc
        )
        select 'entered' as part, null::text as step, null::text as reason, count(*)::int as n,
               null::float8 as median from entered
        union all
        select 'step', step, null, count(distinct life)::int,
               percentile_cont(0.5) within group (order by greatest(0, extract(epoch from next_at - at)))
                 filter (where next_at is not null)
        from moves where kind = 'reached' group by step
        union all
        select 'stopped', step, null, count(*)::int, null from last where kind <> 'finished' group by step
        union all
        select 'finished', null, null, count(*)::int, null from last where kind = 'finished'
        union all
        select 'refused', step, reason, count(*)::int, null from ev where kind = 'refused' group by step, reason
      `);
      const rows = rowsOf<ReportRow>(result);
      const steps = new Map<string, FunnelStep>();
      const stepOf = (name: string) => {
        let found = steps.get(name);
        if (!found) {
          found = { step: name, reached: 0, stopped: 0, medianSeconds: null, refusals: [] };
          steps.set(name, found);
        }
        return found;
      };
      let entered = 0;
      let finished = 0;
      for (const row of rows) {
        const n = Number(row.n);
        if (row.part === 'entered') entered = n;
        else if (row.part === 'finished') finished = n;
        else if (row.part === 'step' && row.step) {
          const step = stepOf(row.step);
          step.reached = n;
          step.medianSeconds = row.median === null ? null : Number(row.median);
        } else if (row.part === 'stopped' && row.step) stepOf(row.step).stopped = n;
        else if (row.part === 'refused' && row.step && row.reason)
          stepOf(row.step).refusals.push({ reason: row.reason, count: n });
      }
      for (const step of steps.values())
        step.refusals = step.refusals
          .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
          .slice(0, TOP_REFUSALS);
      return { entered, finished, steps: [...steps.values()] };
    },

    async purgeBefore(before) {
      const deleted = await db
        .delete(funnelEvents)
        .where(lt(funnelEvents.at, before))
        .returning({ id: funnelEvents.id });
      return deleted.length;
    },
  };
}
