import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { IMAGE_LIMITS } from '../core/ports/images';
import { createSharpPreparer } from '../web/images/sharp-preparer';
import { fmt, median, type Section, verdict } from './support';

const ROUNDS = 12;
const TIME_GOAL = 1.2;
const RSS_GOAL_MB = 300;

/**
 * A 12-megapixel phone photo of a document: 4000 × 3000, lines and rings on paper with sensor noise, so it
 * compresses like a real photo (a few megabytes), not like a flat drawing.
 */
export async function twelveMegapixelPhoto(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const lines = Array.from({ length: 120 }, (_, i) => {
    const x = (i * 7919) % (width - 900);
    const y = (i * 104_729) % (height - 60);
    return `<rect x="${x}" y="${y}" width="${300 + ((i * 31) % 600)}" height="${10 + (i % 30)}" fill="rgb(${(i * 37) % 120},${(i * 53) % 120},${(i * 71) % 160})"/>`;
  }).join('');
  const page = await sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(236,228,205)"/>${lines}</svg>`,
    ),
  )
    .png()
    .toBuffer();
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 12 },
    },
  })
    .png()
    .toBuffer();
  return sharp(page)
    .composite([{ input: noise, blend: 'overlay' }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

/**
 * The upload pipeline (header checks, one decode turned upright, the kept JPEG, the preview, the sharpness and
 * the perceptual hash) against sharp's bare resize of the same photo to the same kept size, alternated in one
 * run; then the peak memory of a fresh process taking four uploads at once.
 */
export async function uploads(): Promise<Section> {
  const photo = await twelveMegapixelPhoto();
  const preparer = createSharpPreparer();
  const bare = () =>
    sharp(photo)
      .resize({ width: IMAGE_LIMITS.keptSide, height: IMAGE_LIMITS.keptSide, fit: 'inside' })
      .jpeg({ quality: 85 })
      .toBuffer();
  const pipeline = async () => {
    const prepared = await preparer.prepare(photo);
    if (!prepared.ok) throw new Error(`the benchmark photo was refused: ${prepared.error}`);
  };
  await bare();
  await pipeline();
  const times = { bare: [] as number[], pipeline: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of [
      ['bare', bare],
      ['pipeline', pipeline],
    ] as const) {
      const started = performance.now();
      await run();
      times[name].push(performance.now() - started);
    }
  }
  const ratio = median(times.pipeline) / median(times.bare);
  const memory = await peakMemory();
  const body = `A ${fmt(photo.byteLength / 2 ** 20)} MB JPEG of 4000 × 3000 pixels; ${ROUNDS} rounds, alternating, medians.

| | median ms |
|---|---|
| sharp's bare resize to ${IMAGE_LIMITS.keptSide} px (baseline) | ${fmt(median(times.bare))} |
| upload pipeline (checks, upright, kept JPEG, preview, sharpness, hash) | ${fmt(median(times.pipeline))} |

- Pipeline vs bare resize: ${fmt(ratio)}× — ${verdict(ratio <= TIME_GOAL, `goal ≤ ${TIME_GOAL}×`)}
- Four uploads at once in a fresh process: peak RSS ${fmt(memory.peakMb)} MB (${fmt(memory.idleMb)} MB before) — ${verdict(memory.peakMb <= RSS_GOAL_MB, `goal ≤ ${RSS_GOAL_MB} MB`)}`;
  return { title: 'Identity uploads (sharp)', body };
}

/** Runs bench/upload-memory.ts in a process of its own, so nothing else this run did counts towards its memory. */
function peakMemory(): Promise<{ idleMb: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/upload-memory.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`upload-memory exited with ${code}`));
      resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}
