import type { Result } from '../result';

/** An upload made fit to keep: upright, every metadata block gone, re-encoded, with a preview. */
export interface PreparedImage {
  /** JPEG, at most `IMAGE_LIMITS.keptSide` pixels on its longer side. */
  image: Uint8Array;
  /** A small JPEG for the customer's summary and the reviewer's list. */
  preview: Uint8Array;
  /** Of the upright original, in pixels. */
  width: number;
  height: number;
  /** Perceptual hash (64 bits as '0'/'1'): near-equal pictures have near-equal hashes (core/identity.ts). */
  hash: string;
  /** Variance of the Laplacian on a grey copy of fixed size: low means blurred (core/identity.ts decides). */
  sharpness: number;
}

/**
 * What is wrong with an upload, in words the customer can act on: not a picture at all; a picture format we do
 * not read (HEIC from an iPhone); too many bytes; too many pixels (a decompression bomb, or a 100-megapixel
 * mode); too small to read; a strip too narrow for its length; damaged (cut off in transfer).
 */
export type ImageProblem =
  | 'not_image'
  | 'unsupported_format'
  | 'too_large'
  | 'too_many_pixels'
  | 'too_small'
  | 'odd_shape'
  | 'damaged';

/** Checks an upload by its content (never its name or declared type) and prepares it for keeping. */
export interface ImagePreparer {
  prepare(bytes: Uint8Array): Promise<Result<PreparedImage, ImageProblem>>;
}

/** The bounds every preparer applies. */
export const IMAGE_LIMITS = {
  /** Telegram's own download limit, and the web upload's. */
  maxBytes: 20 * 1024 * 1024,
  /** 64 megapixels: any phone's normal photo fits; a decompression bomb does not. */
  maxPixels: 64_000_000,
  /** A passport page narrower than this cannot be read by a reviewer. */
  minShortSide: 600,
  /** Kept images are scaled down to this on their longer side: every line of a passport stays legible. */
  keptSide: 2048,
  previewSide: 480,
};
