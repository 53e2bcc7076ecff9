import { describe, expect, it } from 'vitest';
import { presets } from '../core/presets';

/** WCAG's relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) =>
    c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  );
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
};

/** The grey of the bot's bubbles (web/chat/page.ts), where links take the brand colour. */
const BUBBLE = '#f0f2f7';

describe.each(Object.values(presets))("the $id preset's brand in the web chat", (preset) => {
  it('reads at 4.5:1 as white text on the colour and as the colour on the grey bubbles', () => {
    expect(preset.brand.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(contrast('#ffffff', preset.brand.color)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(BUBBLE, preset.brand.color)).toBeGreaterThanOrEqual(4.5);
  });

  it('has a mark that is a plain SVG: drawn, never run', () => {
    expect(preset.brand.logo).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">/);
    expect(preset.brand.logo).not.toMatch(/<script|\son\w+=|href=|<foreignObject/i);
  });
});
