import { createHash } from 'node:crypto';
import type { JobData, QueueName } from '../../core/ports/job-queue';
import type { Sealer } from '../../core/ports/sealer';

/**
 * A job's row as every Kabinet instance writes it into pg-boss's table, with or without pg-boss loaded: the id is a
 * UUID derived from the job's key (a second send of one key inserts nothing), the data sealed under DATA_KEY.
 */
export function jobIdOf(queue: QueueName, key: string): string {
  const hex = createHash('sha256').update(`${queue}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const sealJob = async (sealer: Sealer, queue: QueueName, data: JobData) => ({
  sealed: await sealer.seal(JSON.stringify(data), `job:${queue}`),
});

export const openJob = async (sealer: Sealer, queue: QueueName, stored: { sealed: string }) =>
  JSON.parse(await sealer.open(stored.sealed, `job:${queue}`)) as JobData;

/**
 * Postgres's NOTIFY channel on which a writer that cannot wake pg-boss's workers itself (a Worker's) says a job was
 * queued: Node's instances listen and look at once instead of at their next poll (up to 1 s later).
 */
export const JOBS_QUEUED_CHANNEL = 'kabinet_jobs_queued';
