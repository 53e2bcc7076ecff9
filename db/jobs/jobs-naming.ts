import { sql } from 'drizzle-orm';
import type { QueueName } from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';
import type { Database } from '../database';
import { openJob } from './job-rows';

/** PGlite answers `{ rows }`, postgres.js an array of rows. */
export const rowsOf = <T>(result: unknown): T[] =>
  ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

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
      const text = `${JSON.stringify(opened)} ${JSON.stringify(row.output)}`.toLowerCase();
      if (needles.some((needle) => text.includes(needle.toLowerCase()))) named.push({ table, id: row.id });
    }
  }
  return named;
}

export async function deleteJobs(tx: Database, jobs: { table: 'job' | 'archive'; id: string }[]) {
  for (const { table, id } of jobs)
    await tx.execute(sql`delete from ${sql.raw(`pgboss.${table}`)} where id = ${id}::uuid`);
}
