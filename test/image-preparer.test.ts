import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hashDistance } from '../core/identity';
import { IMAGE_LIMITS } from '../core/ports/images';
import { createSharpPreparer } from '../web/images/sharp-preparer';
import { blurredPhoto, documentPhoto, heicHeader, pixelBomb, sidewaysPhotoWithGps } from './support/images';

const preparer = createSharpPreparer();
const problemOf = async (bytes: Uint8Array) => {
  const prepared = await preparer.prepare(bytes);
  return prepared.ok ? 'accepted' : prepared.error;
};

describe('checking an upload by its content', () => {
  it('takes a photo of a document and keeps a JPEG and a preview', async () => {
    const prepared = await preparer.prepare(await documentPhoto(1));
    if (!prepared.ok) throw new Error(prepared.error);
    const kept = await sharp(prepared.value.image).metadata();
    const preview = await sharp(prepared.value.preview).metadata();
    expect([kept.format, kept.width, kept.height]).toEqual(['jpeg', 1600, 1100]);
    expect(Math.max(preview.width, preview.height)).toBe(IMAGE_LIMITS.previewSide);
    expect(prepared.value.hash).toMatch(/^[01]{64}$/);
  });

  it('refuses bytes that are no picture, whatever the name says', async () => {
    expect(await problemOf(new TextEncoder().encode('%PDF-1.4\n% not a photo.jpg'))).toBe('not_image');
    expect(await problemOf(new Uint8Array(0))).toBe('not_image');
  });

  it('asks for JPEG or PNG when the picture is in a format it cannot read (HEIC)', async () => {
    expect(await problemOf(heicHeader())).toBe('unsupported_format');
    const gif = await sharp(await documentPhoto(2))
      .gif()
      .toBuffer();
    expect(await problemOf(gif)).toBe('unsupported_format');
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    const bomb = await pixelBomb();
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    expect(await problemOf(bomb)).toBe('too_many_pixels');
  });

  it('refuses a picture too small to read, a strip, and one too large to take', async () => {
    expect(await problemOf(await documentPhoto(3, 500, 400))).toBe('too_small');
    expect(await problemOf(await documentPhoto(3, 620, 2400))).toBe('odd_shape');
    expect(await problemOf(new Uint8Array(IMAGE_LIMITS.maxBytes + 1))).toBe('too_large');
  });

  it('refuses a photo cut off in transfer', async () => {
    const photo = await documentPhoto(4);
    expect(await problemOf(photo.subarray(0, Math.floor(photo.length / 2)))).toBe('damaged');
  });

  it('turns a sideways phone photo upright and keeps no EXIF, GPS or other metadata', async () => {
    const original = await sidewaysPhotoWithGps(5);
    const before = await sharp(original).metadata();
    expect([before.orientation, before.width, before.height, before.exif !== undefined]).toEqual([
      6,
      1100,
      1600,
      true,
    ]);
    const prepared = await preparer.prepare(original);
    if (!prepared.ok) throw new Error(prepared.error);
    for (const kept of [prepared.value.image, prepared.value.preview]) {
      const after = await sharp(kept).metadata();
      expect(after.width).toBeGreaterThan(after.height); // upright: landscape, as the document is
      expect(after.orientation).toBeUndefined();
      expect([after.exif, after.icc, after.xmp, after.iptc]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(Buffer.from(kept).includes('KabinetCam')).toBe(false);
    }
    // Upright means the same picture as the straight original, not a mirror or a half turn of it.
    const straight = await preparer.prepare(await documentPhoto(5));
    if (!straight.ok) throw new Error(straight.error);
    expect(hashDistance(prepared.value.hash, straight.value.hash)).toBeLessThanOrEqual(4);
  });

  it('measures a blurred photo as much less sharp than a focused one', async () => {
    const focused = await preparer.prepare(await documentPhoto(6));
    const blurred = await preparer.prepare(await blurredPhoto(6));
    if (!focused.ok || !blurred.ok) throw new Error('not prepared');
    expect(focused.value.sharpness).toBeGreaterThan(10 * blurred.value.sharpness);
  });

  it('gives near hashes to the same picture re-encoded smaller, far ones to another picture', async () => {
    const original = await preparer.prepare(await documentPhoto(7));
    const smaller = await preparer.prepare(
      await sharp(await documentPhoto(7))
        .resize(1000)
        .jpeg({ quality: 60 })
        .toBuffer(),
    );
    const other = await preparer.prepare(await documentPhoto(8));
    if (!original.ok || !smaller.ok || !other.ok) throw new Error('not prepared');
    expect(hashDistance(original.value.hash, smaller.value.hash)).toBeLessThanOrEqual(4);
    expect(hashDistance(original.value.hash, other.value.hash)).toBeGreaterThan(16);
  });
});
