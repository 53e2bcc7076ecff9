import { availableParallelism } from 'node:os';
import { fileTypeFromBuffer } from 'file-type';
import pLimit from 'p-limit';
import sharp from 'sharp';
import phash from 'sharp-phash';
import {
  IMAGE_LIMITS,
  type ImagePreparer,
  type ImageProblem,
  type PreparedImage,
} from '../../core/ports/images';
import { fail, ok, type Result } from '../../core/result';

/** Formats we keep: what phones and scanners send. GIF, SVG and the rest are asked for again as JPEG or PNG. */
const readable = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif']);
/** Longer side over shorter side: a page is about 1.4, a tall phone screen about 2.2. */
const MAX_ASPECT = 3;
/** Side of the grey copy the sharpness is measured on, so the score does not depend on the camera. */
const MEASURED_SIDE = 1024;

/**
 * The upload pipeline on sharp (libvips). The header is read first (format, size, orientation) so a bomb or a
 * non-image is refused before anything is decoded; then the picture, turned upright from EXIF, gives the JPEG
 * kept, the preview and a grey copy for the sharpness and the perceptual hash. Output carries no metadata at all:
 * sharp writes none unless asked (no EXIF, no GPS, no ICC, no XMP).
 */
export function createSharpPreparer(limits = IMAGE_LIMITS): ImagePreparer {
  // libvips' operation cache keeps decoded inputs for reuse; uploads are never decoded twice, so it only holds
  // memory. And libvips already spreads one picture over the cores: more at once add memory, not speed.
  sharp.cache(false);
  const atOnce = pLimit(Math.min(2, availableParallelism()));
  return {
    prepare: (bytes) => atOnce(() => prepareOne(bytes, limits)),
  };
}

async function prepareOne(
  bytes: Uint8Array,
  limits: typeof IMAGE_LIMITS,
): Promise<Result<PreparedImage, ImageProblem>> {
  if (bytes.byteLength > limits.maxBytes) return fail('too_large');
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = await readHeader(input);
  if (!header.ok) return header;
  const { width, height } = header.value;
  if (width * height > limits.maxPixels) return fail('too_many_pixels');
  if (Math.min(width, height) < limits.minShortSide) return fail('too_small');
  // A strip (600 × 100 000) passes the size checks but shrinks into an unreadable sliver.
  if (Math.max(width, height) > MAX_ASPECT * Math.min(width, height)) return fail('odd_shape');
  try {
    return ok(await prepareReadable(input, header.value, limits));
  } catch {
    // The header was fine but the pixels are not: a file cut off in transfer, or corrupt.
    return fail('damaged');
  }
}

interface Header {
  width: number;
  height: number;
}

async function readHeader(input: Buffer): Promise<Result<Header, ImageProblem>> {
  // sharp throws at once for some inputs (no bytes at all), and rejects for the rest.
  const metadata = await Promise.resolve()
    .then(() => sharp(input).metadata())
    .catch(() => null);
  if (!metadata) return fail((await looksLikeImage(input)) ? 'unsupported_format' : 'not_image');
  // sharp reads AVIF as "heif"; a HEIC photo (HEVC inside) is refused at its first decode, so name it here.
  if (!readable.has(metadata.format) || metadata.compression === 'hevc') return fail('unsupported_format');
  // EXIF orientations 5–8 turn the picture a quarter: the upright width is the stored height.
  return ok({ width: metadata.autoOrient.width, height: metadata.autoOrient.height });
}

/** Whether bytes sharp cannot read are still a picture (HEIC, BMP, PSD…): the customer is asked for a JPEG. */
async function looksLikeImage(input: Buffer): Promise<boolean> {
  const type = await fileTypeFromBuffer(input).catch(() => undefined);
  return type?.mime.startsWith('image/') ?? false;
}

async function prepareReadable(
  input: Buffer,
  header: Header,
  limits: typeof IMAGE_LIMITS,
): Promise<PreparedImage> {
  // Three outputs of one upright input. libvips decodes the JPEG for each at the scale it needs (shrink-on-load:
  // the preview and the grey copy decode at 1/8 and 1/2 size, cheaply), so no full-size pixels are held twice.
  const upright = sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'error' }).autoOrient();
  const within = (side: number) => ({
    width: side,
    height: side,
    fit: 'inside' as const,
    withoutEnlargement: true,
  });
  // The grey copy is ready first: its hash and sharpness are computed while the kept JPEG is still encoding.
  const measured = upright
    .clone()
    .resize(within(MEASURED_SIDE))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .then(async ({ data, info }) => ({
      hash: await phash(data, { raw: { width: info.width, height: info.height, channels: info.channels } }),
      sharpness: laplacianVariance(data, info.width, info.height),
    }));
  const [image, preview, { hash, sharpness }] = await Promise.all([
    upright
      .clone()
      .resize(within(limits.keptSide))
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85 })
      .toBuffer(),
    upright
      .clone()
      .resize(within(limits.previewSide))
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 75 })
      .toBuffer(),
    measured,
  ]);
  return {
    image: new Uint8Array(image),
    preview: new Uint8Array(preview),
    width: header.width,
    height: header.height,
    hash,
    sharpness,
  };
}

/**
 * The variance of the Laplacian (Pech-Pacheco et al., 2000), the usual focus measure: edges give large second
 * derivatives, a blurred picture has few. Measured on a grey copy of fixed size.
 */
export function laplacianVariance(grey: Uint8Array, width: number, height: number): number {
  const at = (i: number) => grey[i] as number; // the loops stay inside the picture
  let sum = 0;
  let squares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const laplacian = 4 * at(i) - at(i - 1) - at(i + 1) - at(i - width) - at(i + width);
      sum += laplacian;
      squares += laplacian * laplacian;
      count++;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return squares / count - mean * mean;
}
