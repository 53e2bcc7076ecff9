import { describeError, type Logger, silentLogger } from './logger';
import type { Notice } from './messages';
import { noticeJob } from './notices';
import type { AccountRepository } from './ports/accounts';
import type { FileStore } from './ports/file-store';
import type {
  CaseStatus,
  FollowUps,
  IdentityCase,
  IdentityCaseRepository,
  IdentityImage,
  TransitionError,
} from './ports/identity-cases';
import type { JobQueue, QueuedJob } from './ports/job-queue';
import type { ReviewDesk } from './ports/review-desk';
import { fail, ok, type Result } from './result';

/** The reasons a reviewer chooses from; the customer reads each in their language (identity.reason.*). */
export const reviewReasons = [
  'unreadable',
  'face_not_visible',
  'not_matching_profile',
  'document_invalid',
] as const;
export type ReviewReason = (typeof reviewReasons)[number];

/** Why a decision was not taken: someone changed the case first, there is none, or the profile moved under it. */
export type ReviewError = TransitionError | 'profile_changed';

/** When staff are reminded of a case, and how long a claim holds. Milliseconds. */
export interface ReviewTiming {
  /** The first reminder comes this long before the promised answer (at once, when that is already past). */
  remindBefore: number;
  /** Then again this often, while the case is undecided. */
  remindEvery: number;
  /** A claim older than this no longer stops another reviewer. */
  claimFor: number;
}

export const defaultReviewTiming: ReviewTiming = {
  remindBefore: 2 * 3600_000,
  remindEvery: 3600_000,
  claimFor: 30 * 60_000,
};

/** After a post's tries are spent (Slack away for half an hour), a new series starts this much later. */
const REPOST_AFTER_MS = 15 * 60_000;

/** The desk's jobs: a case shown (posted when `post`), or a reminder of one submission. */
type DeskJob =
  | { event: 'show'; caseId: string; post: boolean }
  | { event: 'remind'; caseId: string; submittedAt: number; round: number };

const deskJob = (job: DeskJob, key: string, startAfter?: Date): QueuedJob => ({
  queue: 'desk',
  data: { ...job },
  key,
  ...(startAfter ? { startAfter } : {}),
});
const versionOf = (found: IdentityCase) => `${found.id}:${found.status}:${found.updatedAt.getTime()}`;
const showJob = (found: IdentityCase, post = false) =>
  deskJob({ event: 'show', caseId: found.id, post }, `show:${versionOf(found)}`);
/** The `round`-th reminder of one submission: its key makes it once-only, however often it is queued. */
const reminderJob = (caseId: string, submittedAt: number, round: number, at: Date) =>
  deskJob({ event: 'remind', caseId, submittedAt, round }, `remind:${caseId}:${submittedAt}:${round}`, at);

/**
 * What sending a case names, queued with it: the desk posts it, and staff are reminded near the promised answer
 * (core/identity.ts passes this to the repository's submit).
 */
export function followUpsOfSubmit(timing: ReviewTiming): FollowUps {
  return (sent) => {
    const due = (sent.answerBy?.getTime() ?? Date.now()) - timing.remindBefore;
    const first = reminderJob(
      sent.id,
      sent.submittedAt?.getTime() ?? 0,
      1,
      new Date(Math.max(due, Date.now())),
    );
    return [showJob(sent, true), first];
  };
}

/** `comment`: the reviewer's note, kept in the audit log beside the decision; the customer reads only the reason. */
export type ReviewDecision = { comment?: string } & (
  | { type: 'approve' }
  | { type: 'reject'; reason: ReviewReason }
  | { type: 'ask_again'; image: IdentityImage; reason: ReviewReason }
);

const outcome: Record<ReviewDecision['type'], CaseStatus> = {
  approve: 'approved',
  reject: 'rejected',
  ask_again: 'resubmission_requested',
};

/**
 * Staff's side of identity cases, whatever the desk (the local review page, Slack): the queue, claims, and
 * decisions as a compare-and-set on the status and version the reviewer saw, so two reviewers give one outcome.
 * The customer is told through a notice (the durable queue, then the engine) in the conversation the case was
 * sent from, queued in the decision's own transaction: a crash between them loses neither.
 */
export function createIdentityReview(deps: {
  cases: IdentityCaseRepository;
  accounts: Pick<AccountRepository, 'linkPoliciesByDocument' | 'documentFingerprint'>;
  files: FileStore;
  queue: JobQueue;
  timing?: ReviewTiming;
  logger?: Logger;
}) {
  const { cases } = deps;
  const timing = deps.timing ?? defaultReviewTiming;
  const logger = deps.logger ?? silentLogger;
  // Real time, not a test's moved clock: claims are compared with the database's, reminders run by the queue's.
  const now = Date.now;
  /** Claims taken before this moment have expired. */
  const expiredClaimsBefore = () => new Date(now() - timing.claimFor);
  /** Queues the reminder after `task`'s. */
  const nextReminder = async ({ caseId, submittedAt, round }: Extract<DeskJob, { event: 'remind' }>) => {
    const next = reminderJob(caseId, submittedAt, round + 1, new Date(now() + timing.remindEvery));
    await deps.queue.send(next.queue, next.data, next.key, { startAfter: next.startAfter });
  };

  return {
    timing,

    /**
     * Takes a case for review: a sent one, or one whose claim has expired. 'conflict' when someone else took or
     * decided it first (the case as it now stands tells who).
     */
    async claim(caseId: string, reviewer: string): Promise<Result<IdentityCase, ReviewError>> {
      const found = await cases.caseById(caseId);
      if (!found) return fail('not_found');
      if (found.status === 'in_review' && found.reviewer === reviewer) return ok(found);
      const from = found.status === 'in_review' ? 'in_review' : 'submitted';
      return cases.decide(
        caseId,
        from,
        'in_review',
        { reviewer, seen: found.updatedAt, expiredClaimsBefore: expiredClaimsBefore() },
        (claimed) => [showJob(claimed)],
      );
    },

    /** Cases waiting for a decision: sent ones oldest first, then those a reviewer has taken. */
    async waiting(limit = 100): Promise<IdentityCase[]> {
      const [submitted, inReview] = await Promise.all([
        cases.casesIn('submitted', limit),
        cases.casesIn('in_review', limit),
      ]);
      return [...submitted, ...inReview].slice(0, limit);
    },

    /**
     * Decides a case the reviewer saw in `seen` status (a sent case is taken first, in its own compare-and-set);
     * 'conflict' when someone else changed it first.
     */
    async decide(
      caseId: string,
      seen: { status: CaseStatus; at?: Date },
      decision: ReviewDecision,
      reviewer: string,
      options: { claims?: boolean } = {},
    ): Promise<Result<IdentityCase, ReviewError>> {
      const before = await cases.caseById(caseId);
      if (!before) return fail('not_found');
      // The profile must still name the document the case was sent with: a save racing "Send" from another chat
      // would have the reviewer compare the pictures with one document and link policies by another.
      if (decision.type === 'approve') {
        const current = await deps.accounts.documentFingerprint(before.accountId);
        if (current !== before.documentFingerprint) return fail('profile_changed');
      }
      if (seen.status === 'submitted') {
        const claimed = await cases.decide(
          caseId,
          'submitted',
          'in_review',
          { reviewer, seen: seen.at },
          (taken) => [showJob(taken)],
        );
        if (!claimed.ok) return claimed;
      }
      const decided = await cases.decide(
        caseId,
        'in_review',
        outcome[decision.type],
        {
          reviewer,
          reason: decision.type === 'approve' ? undefined : decision.reason,
          image: decision.type === 'ask_again' ? decision.image : undefined,
          comment: decision.comment,
          // Once taken here, the version is this reviewer's own claim; a case seen in review is checked as seen.
          seen: seen.status === 'in_review' ? seen.at : undefined,
          // At a desk of several reviewers (Slack) a claimed case is its claimer's until the claim expires.
          expiredClaimsBefore: options.claims ? expiredClaimsBefore() : undefined,
        },
        // The customer is told (once per decision: the id is the decision's), and the desk shows who decided.
        (found) => [
          noticeJob(
            `identity:${found.id}:${found.status}:${found.updatedAt.getTime()}`,
            found.conversationId,
            found.channel,
            noticeOf(decision),
          ),
          showJob(found),
        ],
      );
      if (!decided.ok) return decided;
      const found = decided.value;
      // Seed 000: a confirmed identity links the policies bought earlier under the passport, the one it was sent with.
      if (found.status === 'approved' && found.documentFingerprint)
        await deps.accounts.linkPoliciesByDocument(
          found.accountId,
          found.documentFingerprint,
          `reviewer:${reviewer}`,
        );
      // The picture asked for again has left the case; its files go with it (a file left behind harms nobody).
      const dropped = decision.type === 'ask_again' ? before.images[decision.image] : undefined;
      if (dropped)
        await Promise.all([deps.files.delete(dropped.fileId), deps.files.delete(dropped.previewId)]).catch(
          () => {},
        );
      return decided;
    },

    /** Runs this process's share of the desk's jobs: posts, updates and reminders. Call once per process. */
    work: (desk: ReviewDesk) =>
      deps.queue.work('desk', async (job) => {
        const task = job.data as unknown as DeskJob;
        try {
          const found = await cases.caseById(task.caseId);
          if (!found) return;
          // Past its deadline the job counts as dead and runs again elsewhere: start nothing Slack would see twice.
          if (Date.now() > job.deadline) throw new Error('desk job past its deadline');
          if (task.event === 'show') return await desk.show(found, task.post);
          // A reminder belongs to one submission, and stops once it is decided (or sent again: a new series).
          const undecided = found.status === 'submitted' || found.status === 'in_review';
          if (!undecided || found.submittedAt?.getTime() !== task.submittedAt) return;
          await desk.remind(found);
          await nextReminder(task);
        } catch (error) {
          // Told every time (a bad token or a channel the bot is not in shows at once), loudly on the last try.
          const fields = { caseId: task.caseId, event: task.event, error: describeError(error) };
          if (!job.lastAttempt) {
            logger.warn('review desk failed, will retry', fields);
            throw error;
          }
          logger.error('review desk gave up for now', fields);
          // A reminder that could not be said does not end the series: the next one is due as planned.
          if (task.event === 'remind') await nextReminder(task).catch(() => {});
          // A post is not lost to a long outage: a fresh series of tries starts a while later (its reminders
          // wait for it).
          if (task.event === 'show' && task.post)
            await deps.queue.send('desk', { ...task }, `show-again:${task.caseId}:${Date.now()}`, {
              startAfter: new Date(Date.now() + REPOST_AFTER_MS),
            });
          throw error;
        }
      }),
  };
}

export type IdentityReview = ReturnType<typeof createIdentityReview>;

function noticeOf(decision: ReviewDecision): Notice {
  switch (decision.type) {
    case 'approve':
      return { key: 'identity.decision.approved' };
    case 'reject':
      return { key: 'identity.decision.rejected', terms: { reason: `identity.reason.${decision.reason}` } };
    case 'ask_again':
      return {
        key: 'identity.decision.ask_again',
        terms: { image: `identity.image.${decision.image}`, reason: `identity.reason.${decision.reason}` },
        // The customer is taken back to the flow (when they are at the menu), at the one image asked for.
        flow: 'identity',
      };
  }
}
