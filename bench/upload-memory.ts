import { createSharpPreparer } from '../web/images/sharp-preparer';
import { twelveMegapixelPhoto } from './uploads';

/** Peak RSS of this process while four 12-megapixel uploads are prepared at once (three times); prints JSON. */
const photo = await twelveMegapixelPhoto();
const preparer = createSharpPreparer();
globalThis.gc?.();
const idle = process.memoryUsage.rss();
let peak = idle;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 5);
for (let round = 0; round < 3; round++) {
  await Promise.all(Array.from({ length: 4 }, () => preparer.prepare(photo)));
}
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
process.stdout.write(`${JSON.stringify({ idleMb: idle / 2 ** 20, peakMb: peak / 2 ** 20 })}\n`);
