import type { Notice } from './messages';
import type { Notices } from './notices';
import type { AccountRepository } from './ports/accounts';
import type { FileStore } from './ports/file-store';
import type {
  CaseStatus,
  IdentityCase,
  IdentityCaseRepository,
  IdentityImage,
  TransitionError,
} from './ports/identity-cases';
import { fail, type Result } from './result';

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

export type ReviewDecision =
  | { type: 'approve' }
  | { type: 'reject'; reason: ReviewReason }
  | { type: 'ask_again'; image: IdentityImage; reason: ReviewReason };

const outcome: Record<ReviewDecision['type'], CaseStatus> = {
  approve: 'approved',
  reject: 'rejected',
  ask_again: 'resubmission_requested',
};

/**
 * Staff's side of identity cases, whatever the desk (the local review page, Slack): the queue, and decisions as
 * a compare-and-set on the status the reviewer saw, so two reviewers give one outcome. The customer is told
 * through the notices (the durable queue, then the engine), in the conversation the case was sent from.
 */
export function createIdentityReview(deps: {
  cases: IdentityCaseRepository;
  accounts: Pick<AccountRepository, 'linkPoliciesByDocument' | 'documentFingerprint'>;
  notices: Pick<Notices, 'send'>;
  files: FileStore;
}) {
  const { cases, notices } = deps;
  return {
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
        const claimed = await cases.decide(caseId, 'submitted', 'in_review', { reviewer, seen: seen.at });
        if (!claimed.ok) return claimed;
      }
      const decided = await cases.decide(caseId, 'in_review', outcome[decision.type], {
        reviewer,
        reason: decision.type === 'approve' ? undefined : decision.reason,
        image: decision.type === 'ask_again' ? decision.image : undefined,
        // Once taken here, the version is this reviewer's own claim; a case seen in review is checked as seen.
        seen: seen.status === 'in_review' ? seen.at : undefined,
      });
      if (!decided.ok) return decided;
      const found = decided.value;
      // The customer is told first (one notice per decision: a retried request tells them once); what follows
      // may be done again by hand, the telling may not be lost to it.
      const id = `identity:${found.id}:${found.status}:${found.updatedAt.getTime()}`;
      await notices.send(id, found.conversationId, found.channel, noticeOf(decision));
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
