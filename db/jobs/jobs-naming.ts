import { sql } from 'drizzle-orm';
import type { QueueName } from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';
import type { Database } from '../database';
import { rowsOf } from '../rows';
import { openJob } from './job-rows';

/**
 * The ids of pg-boss's jobs (waiting, done, archived) whose sealed data or stored output names one of `needles`
 * (an account id, a case id, a conversation id, a contact): each job is opened to look, as nothing in them is in
 * clear. None when pg-boss never ran on this database. A job sealed under another key is passed over.
 */
export async function jobsNaming(
  tx: Database,
  sealer: Sealer,
  needles: string[],
): Promise<{ table: 'job' | 'archive'; id: string }[]> {
  const [found] = rowsOf<{ job: string | null }>(
    await tx.execute(sql`select to_regclass('pgboss.job') as job`),
  );
  if (!found?.job || needles.length === 0) return [];
  const named: { table: 'job' | 'archive'; id: string }[] = [];
  const lowered = needles.map((needle) => needle.toLowerCase());
  for (const table of ['job', 'archive'] as const) {
    const rows = rowsOf<{ id: string; name: string; data: unknown; output: unknown }>(
      await tx.execute(sql`select id::text as id, name, data, output from ${sql.raw(`pgboss.${table}`)}`),
    );
    for (const row of rows) {
      const data = row.data as { sealed?: unknown } | null;
      const opened =
        typeof data?.sealed === 'string'
          ? await openJob(sealer, row.name as QueueName, { sealed: data.sealed }).catch(() => null)
          : data;
      const values = new Set([...stringsIn(opened), ...stringsIn(row.output)]);
      if (lowered.some((needle) => values.has(needle))) named.push({ table, id: row.id });
    }
  }
  return named;
}

/**
 * Every string a job holds, lower-cased: a job names someone when one of its values is exactly theirs (never a
 * conversation `tg:123` inside `tg:1234`, nor `ann@` inside `joann@`).
 */
function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value.toLowerCase());
  else if (value && typeof value === 'object')
    for (const inner of Object.values(value)) stringsIn(inner, into);
  return into;
}

export async function deleteJobs(tx: Database, jobs: { table: 'job' | 'archive'; id: string }[]) {
  for (const { table, id } of jobs)
    await tx.execute(sql`delete from ${sql.raw(`pgboss.${table}`)} where id = ${id}::uuid`);
}
