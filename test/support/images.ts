import sharp from 'sharp';

/**
 * Pictures for the upload tests, made by sharp: a "document" of coloured lines and rings on paper, different for
 * each seed (so three uploads are three pictures), as a JPEG of the given size.
 */
export async function documentPhoto(seed: number, width = 1600, height = 1100): Promise<Buffer> {
  return sharp(documentSvg(seed, width, height))
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The same document out of focus. */
export async function blurredPhoto(seed: number): Promise<Buffer> {
  return sharp(await documentPhoto(seed))
    .blur(5)
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A photo as a phone sends it: stored sideways with EXIF orientation 6 (turn 90° clockwise to view) and the
 * place it was taken in GPS tags.
 */
export async function sidewaysPhotoWithGps(seed: number): Promise<Buffer> {
  // Stored as the camera saw it: 1100 wide, 1600 high; upright it is 1600 × 1100.
  const stored = await sharp(await documentPhoto(seed))
    .rotate(-90)
    .toBuffer();
  return sharp(stored)
    .jpeg()
    .withExif({
      IFD0: { Make: 'KabinetCam', Model: 'Test 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '55/1 45/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '37/1 37/1 0/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** 81 megapixels of white that compress to a few hundred kilobytes: a decompression bomb. */
export async function pixelBomb(): Promise<Buffer> {
  return sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#ffffff' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** The start of a HEIC file as an iPhone writes it: an image format sharp's prebuilt binaries do not read. */
export function heicHeader(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('mif1heic', 16, 'latin1');
  return Buffer.concat([ftyp, Buffer.alloc(2000, 7)]);
}

function documentSvg(seed: number, width: number, height: number): Buffer {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const int = (max: number, min = 0) => Math.floor(random() * (max - min) + min);
  const parts: string[] = [];
  for (let i = 0; i < 40; i++) {
    parts.push(
      `<rect x="${int(width * 0.8)}" y="${int(height * 0.9)}" width="${int(320, 20)}" height="${int(18, 4)}" fill="rgb(${int(120)},${int(120)},${int(160)})"/>`,
    );
  }
  for (let i = 0; i < 6; i++) {
    parts.push(
      `<circle cx="${int(width)}" cy="${int(height)}" r="${int(180, 30)}" fill="none" stroke="rgb(90,60,${int(255)})" stroke-width="3"/>`,
    );
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${int(250, 200)},${int(240, 190)},180)"/>${parts.join('')}</svg>`,
  );
}
