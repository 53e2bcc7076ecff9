import type { ChannelName } from '../messages';
import type { Result } from '../result';
import type { QueuedJob } from './job-queue';

/** The three images an identity case needs, in the order they are asked for. */
export const identityImages = ['main_page', 'selfie', 'last_page'] as const;
export type IdentityImage = (typeof identityImages)[number];

/**
 * A case's life: a draft collects the images; "Send" submits it; a reviewer takes it (in review) and decides.
 * A resubmission request reopens it at one image, and sending that image submits it again.
 */
export type CaseStatus =
  | 'draft'
  | 'submitted'
  | 'in_review'
  | 'approved'
  | 'rejected'
  | 'resubmission_requested';

/** Statuses a case is still open in: an account has at most one such case. */
export const openStatuses: readonly CaseStatus[] = [
  'draft',
  'submitted',
  'in_review',
  'resubmission_requested',
];

/** What the checks noted for the reviewer: a photo still blurred on the third try is taken, marked so. */
export type ImageNote = 'blurred';

export interface CaseImage {
  /** The kept image in the file store (core/ports/file-store.ts); the case never holds image bytes. */
  fileId: string;
  /** Its small preview, also in the file store. */
  previewId: string;
  /** Perceptual hash, to refuse the same picture sent for another image. */
  hash: string;
  notes: ImageNote[];
}

export interface IdentityCase {
  id: string;
  accountId: string;
  /** Where the customer asked from, and so where the decision is told. */
  channel: ChannelName;
  conversationId: string;
  status: CaseStatus;
  images: Partial<Record<IdentityImage, CaseImage>>;
  submittedAt: Date | null;
  /** The answer promised by (the preset's hours after sending). */
  answerBy: Date | null;
  /** Who decided or took the case, why (a rejection or a resubmission: a reason code), and which image is asked for again. */
  reviewer: string | null;
  reason: string | null;
  requestedImage: IdentityImage | null;
  /** The profile's document when the case was sent (a keyed fingerprint): what approval links policies by. */
  documentFingerprint: string | null;
  /** Changes with every change of the case: a reviewer's page names the version it showed. */
  updatedAt: Date;
  /** Where staff's desk shows this submission (a Slack channel and message), once it is posted. */
  deskRef: string | null;
}

/** Where and what a case was sent from: the chat told the decision, and the document it is compared with. */
export interface Sending {
  channel: ChannelName;
  conversationId: string;
  documentFingerprint: string | null;
}

/** 'claimed': another reviewer holds the case, and their claim has not expired. */
export type TransitionError = 'conflict' | 'not_found' | 'incomplete' | 'claimed';

/** The jobs a change names (a notice to the customer, the desk's message), queued in the change's transaction. */
export type FollowUps = (changed: IdentityCase) => QueuedJob[];

/** A reviewer's change of status. */
export interface ReviewStep {
  reviewer: string;
  reason?: string;
  image?: IdentityImage;
  /** The reviewer's note for the audit log (never shown to the customer). */
  comment?: string;
  /** The version the reviewer's page showed; a case changed since is a conflict. */
  seen?: Date;
  /**
   * From 'in_review': only its claimer decides, unless the claim was taken before this moment (it has expired).
   * Unset: anyone (the local desk, where one operator works).
   */
  expiredClaimsBefore?: Date;
}

/**
 * Identity cases, part of the records (Postgres, PGlite); both pass `test/contracts/identity-cases.contract.ts`.
 * Every change of status is a compare-and-set on the status it expects, so a double "Send" or two reviewers
 * deciding at once give one outcome; each is written to the audit log with who did it.
 */
export interface IdentityCaseRepository {
  /** The account's open case, or a new draft for it (answering in this channel and conversation). */
  openCase(accountId: string, channel: ChannelName, conversationId: string): Promise<IdentityCase>;
  /**
   * Puts an image into a draft (or into the one image a resubmission asks for); `replaced` is what that image
   * held just before, read under the same row lock, so its files are deleted exactly once.
   */
  attachImage(
    caseId: string,
    image: IdentityImage,
    file: CaseImage,
  ): Promise<Result<{ case: IdentityCase; replaced: CaseImage | null }, TransitionError>>;
  /**
   * Draft (or resubmission) → submitted, once every image is there; `answerBy` is what the customer was promised.
   * The decision will be told where it was sent from.
   */
  submit(
    caseId: string,
    answerBy: Date,
    actor: string,
    sending: Sending,
    then?: FollowUps,
  ): Promise<Result<IdentityCase, TransitionError>>;
  /**
   * `from` → `to` by a reviewer, with the reason (rejection, resubmission) or the image asked for again, whose
   * entry leaves the case (the next "Send" needs a new one). Taking a case ('submitted' → 'in_review') is the
   * reviewer's claim.
   */
  decide(
    caseId: string,
    from: CaseStatus,
    to: CaseStatus,
    step: ReviewStep,
    then?: FollowUps,
  ): Promise<Result<IdentityCase, TransitionError>>;
  /**
   * Notes where the desk posted the case's current submission; false when it was sent again meanwhile, or when
   * another post of it was noted first (the desk then takes its own back).
   */
  noteDeskRef(caseId: string, submittedAt: Date, ref: string): Promise<boolean>;
  /**
   * Writes what staff did around a case into the audit log, against its account: `identity.refused` (someone not
   * a reviewer tried), `identity.viewed` (a reviewer opened its pictures). An unknown case id is kept in details.
   */
  recordAtDesk(
    caseId: string,
    actor: string,
    action: 'identity.refused' | 'identity.viewed',
    details?: Record<string, unknown>,
  ): Promise<void>;
  /** One case by its id. */
  caseById(caseId: string): Promise<IdentityCase | null>;
  /** The account's newest case, open or not. */
  latestCase(accountId: string): Promise<IdentityCase | null>;
  /** Cases in `status`, oldest first (the review queue). */
  casesIn(status: CaseStatus, limit?: number): Promise<IdentityCase[]>;
  /**
   * How many cases are in each status, and since when the oldest of each has waited (sent for review, else
   * opened): for operators' metrics. Statuses with no case are left out.
   */
  census(): Promise<{ status: CaseStatus; count: number; oldestSince: Date }[]>;
  /**
   * Approved or rejected cases decided before `cutoff` that still name pictures, by id, from after the id `after`
   * (pages that move on past a case whose files could not be deleted).
   */
  decidedWithImagesBefore(cutoff: Date, limit?: number, after?: string): Promise<IdentityCase[]>;
  /**
   * Forgets a case's pictures (their files already deleted) and writes it down in the audit log, naming `by` (the
   * rule); false when they were forgotten already.
   */
  imagesPurged(caseId: string, by: string): Promise<boolean>;
  /** Every file id (pictures and previews) a case names: what the sweep of unnamed files must leave. */
  namedFiles(): Promise<Set<string>>;
}
