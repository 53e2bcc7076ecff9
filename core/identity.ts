import type { ChannelName } from './messages';
import type { AccountRepository } from './ports/accounts';
import type { FileStore } from './ports/file-store';
import {
  type CaseImage,
  type FollowUps,
  type IdentityCase,
  type IdentityCaseRepository,
  type IdentityImage,
  identityImages,
  type TransitionError,
} from './ports/identity-cases';
import { IMAGE_LIMITS, type ImagePreparer, type ImageProblem } from './ports/images';
import type { InsurerPreset } from './presets';
import { fail, ok, type Result } from './result';

/**
 * Below this sharpness (variance of the Laplacian on a 1024-pixel grey copy) a photo reads as blurred. A focused
 * phone photo of a page scores in the hundreds; the same photo blurred by two pixels scores about 35.
 */
export const BLUR_THRESHOLD = 30;
/** Pictures whose perceptual hashes differ in at most this many of their 64 bits are one picture. */
export const SAME_PICTURE_DISTANCE = 8;
/** A blurred photo is refused this many times, then taken with a note for the reviewer, as KYC vendors do. */
export const BLURRED_REFUSALS = 2;

/** Why an upload was not taken: what is wrong with the picture, or with the moment it came. */
export type UploadProblem =
  | ImageProblem
  | 'same_picture'
  | 'blurred'
  /** A resubmission asks for one image; another arrived. */
  | 'not_asked'
  /** The case was sent already (or decided) while the customer was choosing a file. */
  | 'not_open';

/** The conversation a case is opened from, and so where its decision is told. */
export interface CaseOwner {
  account: string;
  channel: ChannelName;
  conversation: string;
}

/** An upload as a channel hands it over: its size as declared, its bytes fetched only once it is wanted. */
export interface Upload {
  size: number;
  fetch(): Promise<Uint8Array | 'too_large'>;
}

export interface IdentityDeps {
  cases: IdentityCaseRepository;
  accounts: Pick<AccountRepository, 'documentFingerprint'>;
  files: FileStore;
  images: ImagePreparer;
  preset: InsurerPreset;
  /** What sending a case names besides (the desk's post, staff's reminders), queued in the same transaction. */
  onSubmit?: FollowUps;
  now?: () => number;
}

/**
 * The customer's side of identity confirmation: each image checked on arrival and kept privately, the case sent
 * for review once all three are there. Decisions are core/identity-review.ts.
 */
export function createIdentity(deps: IdentityDeps) {
  const { cases, files, images } = deps;
  const now = deps.now ?? Date.now;

  return {
    /** The account's newest case, open or decided, or null before the first. */
    current: (account: string) => cases.latestCase(account),

    /** The account's open case, or a new draft answering in this conversation. */
    open: (owner: CaseOwner) => cases.openCase(owner.account, owner.channel, owner.conversation),

    /**
     * Checks one upload and puts it into the account's open case (a new draft if there is none), replacing what
     * that image held. `blurredBefore`: how many times a blurred photo was refused for this image already.
     */
    async upload(
      owner: CaseOwner,
      image: IdentityImage,
      upload: Upload,
      blurredBefore: number,
    ): Promise<Result<{ case: IdentityCase; blurred: boolean }, UploadProblem>> {
      if (upload.size > IMAGE_LIMITS.maxBytes) return fail('too_large'); // known before a byte is fetched
      const open = await cases.openCase(owner.account, owner.channel, owner.conversation);
      if (!acceptsImages(open)) return fail('not_open');
      if (open.status === 'resubmission_requested' && open.requestedImage !== image) return fail('not_asked');
      const bytes = await upload.fetch();
      if (bytes === 'too_large') return fail('too_large');
      const prepared = await images.prepare(bytes);
      if (!prepared.ok) return prepared;
      const { hash, sharpness } = prepared.value;
      const others = identityImages.filter((other) => other !== image).map((other) => open.images[other]);
      if (others.some((other) => other && hashDistance(other.hash, hash) <= SAME_PICTURE_DISTANCE))
        return fail('same_picture');
      const blurred = sharpness < BLUR_THRESHOLD;
      if (blurred && blurredBefore < BLURRED_REFUSALS) return fail('blurred');

      const [kept, preview] = await Promise.all([
        files.put(prepared.value.image, 'image/jpeg'),
        files.put(prepared.value.preview, 'image/jpeg'),
      ]);
      const entry: CaseImage = {
        fileId: kept.id,
        previewId: preview.id,
        hash,
        notes: blurred ? ['blurred'] : [],
      };
      const attached = await cases.attachImage(open.id, image, entry);
      // The picture replaced (read under the row's lock), or this one when the case took none.
      const dropped = attached.ok ? attached.value.replaced : entry;
      if (dropped) await Promise.all([files.delete(dropped.fileId), files.delete(dropped.previewId)]);
      if (!attached.ok) return fail('not_open');
      return ok({ case: attached.value.case, blurred });
    },

    /** Sends the open case for review; the answer is promised within the preset's hours. */
    async submit(owner: CaseOwner): Promise<Result<IdentityCase, TransitionError>> {
      const latest = await cases.latestCase(owner.account);
      if (!latest || !acceptsImages(latest)) return fail('conflict');
      const answerBy = new Date(now() + deps.preset.identity.answerHours * 3600_000);
      // The document the reviewer compares the pictures with, as it is now: approval links policies by it.
      const documentFingerprint = await deps.accounts.documentFingerprint(owner.account);
      return cases.submit(
        latest.id,
        answerBy,
        `customer:${owner.account}`,
        {
          channel: owner.channel,
          conversationId: owner.conversation,
          documentFingerprint,
        },
        deps.onSubmit,
      );
    },

    /** A preview of the account's own case, for the customer's summary; null for any other file. */
    async preview(account: string, fileId: string): Promise<Uint8Array | null> {
      const latest = await cases.latestCase(account);
      const owned = identityImages.some((image) => latest?.images[image]?.previewId === fileId);
      return owned ? ((await files.get(fileId))?.bytes ?? null) : null;
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;

/** Whether a case still takes images from the customer: a draft, or a resubmission request. */
export const acceptsImages = (found: IdentityCase): boolean =>
  found.status === 'draft' || found.status === 'resubmission_requested';

/** The images a case still needs, in the order they are asked for (a resubmission: the one asked for). */
export function missingImages(found: IdentityCase): IdentityImage[] {
  if (found.status === 'resubmission_requested' && found.requestedImage) {
    return [found.requestedImage];
  }
  return identityImages.filter((image) => !found.images[image]);
}

/** How many of two perceptual hashes' bits differ. */
export function hashDistance(a: string, b: string): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
  return differing;
}
