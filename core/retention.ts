import { describeError, type Logger } from './logger';
import type { ActivationRepository } from './ports/activation';
import type { FileStore } from './ports/file-store';
import type { FunnelRepository } from './ports/funnel';
import type { IdentityCaseRepository } from './ports/identity-cases';
import type { JobQueue } from './ports/job-queue';
import type { SessionRepository } from './ports/sessions';

export interface RetentionOptions {
  cases: Pick<IdentityCaseRepository, 'decidedWithImagesBefore' | 'imagesPurged' | 'namedFiles'>;
  sessions: Pick<SessionRepository, 'purgeSessions'>;
  /** Registrations never activated (Victoria's link), withdrawn UNACTIVATED_DAYS after their last link expired. */
  activation?: Pick<ActivationRepository, 'unactivatedBefore' | 'withdrawUnactivated'>;
  files: Pick<FileStore, 'delete' | 'storedBefore'>;
  /** The funnel's events (no personal data: kept for comparisons over a year). */
  funnel?: Pick<FunnelRepository, 'purgeBefore'>;
  queue: JobQueue;
  /** Days a decided identity case keeps its pictures (passport scans, the selfie) after the decision. */
  imageDays: number;
  logger: Logger;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days a session that is over is kept ("My account" lists live ones only; the audit log keeps the sign-ins). */
export const SESSION_DAYS = 90;
/**
 * Days a registration never activated is kept after its last link expired: its expired link's page still sends a
 * new one meanwhile (someone back from holiday); after that the contacts are freed and nothing of it stays.
 */
export const UNACTIVATED_DAYS = 30;
/** Days the funnel's events are kept: a year and a month, so a month compares with the same month last year. */
export const FUNNEL_DAYS = 400;
const HOUR_MS = 60 * 60 * 1000;
/** Cases handled per read; a run goes on until none is left, up to MAX_BATCHES (the next hour takes the rest). */
const BATCH = 100;
const MAX_BATCHES = 50;

/**
 * What is kept no longer than needed (152-FZ: personal data is destroyed once its purpose is reached). The
 * pictures of an identity case serve its review: once approved or rejected they are kept `imageDays` for questions
 * and complaints, then deleted, files and all, with an audit entry per case. The decision and the audit trail stay.
 * Sessions that are over go SESSION_DAYS after they ended; picture files no case names go after a day; the
 * funnel's events (which name no one) after FUNNEL_DAYS; registrations never activated UNACTIVATED_DAYS after their
 * last link expired.
 *
 * It runs as an hourly job, queued by every instance under the hour's key, so it runs once an hour across them.
 */
export function createRetention(options: RetentionOptions) {
  const { cases, files, queue, imageDays, logger, now = Date.now } = options;
  const rule = `identity pictures ${imageDays} days after the decision`;

  /**
   * Deletes the pictures of every case decided more than `imageDays` ago, until done or `deadline` (epoch ms: the
   * job's, so it never runs on past its expiry beside its own retry); how many cases it cleared. A case whose files
   * cannot be deleted is logged and passed over, so it never holds up the others.
   */
  async function purgeImages(deadline = Number.POSITIVE_INFINITY): Promise<number> {
    const cutoff = new Date(now() - imageDays * DAY_MS);
    let purged = 0;
    let after: string | undefined;
    for (let batch = 0; batch < MAX_BATCHES && Date.now() < deadline; batch++) {
      const due = await cases.decidedWithImagesBefore(cutoff, BATCH, after);
      for (const decided of due) {
        if (Date.now() >= deadline) break;
        after = decided.id;
        // Files first: a crash in between leaves a record naming deleted files (cleared on the next run), never
        // files that no record names any more.
        const images = Object.values(decided.images);
        try {
          await Promise.all(
            images.flatMap((image) => [files.delete(image.fileId), files.delete(image.previewId)]),
          );
        } catch (error) {
          logger.error('identity pictures could not be deleted; tried again next hour', {
            caseId: decided.id,
            error: describeError(error),
          });
          continue;
        }
        if (await cases.imagesPurged(decided.id, rule)) purged++;
      }
      if (due.length < BATCH) break;
    }
    return purged;
  }

  /**
   * Deletes files no case names that were stored over a day ago: left by a crash between storing a picture and
   * recording it, or by a delete that failed. A picture is named in the same turn that stores it, so a day-old
   * file no case names never will be. How many went.
   */
  async function sweepUnnamedFiles(): Promise<number> {
    const old = await files.storedBefore(new Date(now() - DAY_MS));
    if (old.length === 0) return 0;
    const named = await cases.namedFiles(); // read after the listing: a file named by then is kept
    const unnamed = old.filter((id) => !named.has(id));
    for (const id of unnamed) await files.delete(id);
    return unnamed.length;
  }

  /** Withdraws registrations never activated, UNACTIVATED_DAYS after their last link expired; how many went. */
  async function purgeUnactivated(deadline = Number.POSITIVE_INFINITY): Promise<number> {
    if (!options.activation) return 0;
    const cutoff = new Date(now() - UNACTIVATED_DAYS * DAY_MS);
    let purged = 0;
    for (let batch = 0; batch < MAX_BATCHES && Date.now() < deadline; batch++) {
      const due = await options.activation.unactivatedBefore(cutoff, BATCH);
      for (const accountId of due)
        if (await options.activation.withdrawUnactivated(accountId, 'retention', 'never_activated')) purged++;
      if (due.length < BATCH) break;
    }
    return purged;
  }

  return {
    purgeImages,
    purgeUnactivated,
    sweepUnnamedFiles,
    /** Queues this hour's run; the same hour queued again (another instance, a restart) adds nothing. */
    schedule: () => queue.send('retention', {}, `retention:${Math.floor(now() / HOUR_MS)}`),
    work: () =>
      queue.work('retention', async (job) => {
        const purged = await purgeImages(job.deadline);
        if (purged > 0) logger.info('identity pictures purged', { cases: purged, days: imageDays });
        const unnamed = await sweepUnnamedFiles();
        if (unnamed > 0) logger.warn('files no identity case names were deleted', { files: unnamed });
        const sessionsGone = await options.sessions.purgeSessions(new Date(now() - SESSION_DAYS * DAY_MS));
        if (sessionsGone > 0)
          logger.info('sessions long over deleted', { sessions: sessionsGone, days: SESSION_DAYS });
        const unactivated = await purgeUnactivated(job.deadline);
        if (unactivated > 0)
          logger.info('registrations never activated withdrawn', {
            accounts: unactivated,
            days: UNACTIVATED_DAYS,
          });
        const funnelGone = await options.funnel?.purgeBefore(new Date(now() - FUNNEL_DAYS * DAY_MS));
        if (funnelGone)
          logger.info('funnel events past their time deleted', { events: funnelGone, days: FUNNEL_DAYS });
      }),
  };
}

export type Retention = ReturnType<typeof createRetention>;
