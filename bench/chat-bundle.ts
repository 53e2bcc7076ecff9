import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createTranslations } from '../core/i18n';
import { presets } from '../core/presets';
import { chatPage, chatScript, chatStyle } from '../web/chat/page';
import { widgetScript } from '../web/chat/widget';
import { type Section, verdict } from './support';

/** What a first visit to the chat may download, uncompressed (as Kabinet itself serves it). Bytes. */
const BUDGET = 25 * 1024;

/**
 * The web chat's weight: what the browser downloads on a first visit (the page, its script, its style, the
 * insurer's mark) and what an insurer's page downloads for the widget, raw and compressed as a CDN or proxy
 * would serve them. Hand-written DOM code, no framework: this is what keeps the numbers small, so it is watched.
 */
export async function chatBundle(): Promise<Section> {
  const preset = presets.soglasie;
  const translations = createTranslations();
  const files: [string, string][] = [
    [
      'page (GET /)',
      chatPage({ locale: 'ru', languages: preset.languages, insurer: preset.name.ru, t: translations('ru') }),
    ],
    ['/chat/app.js', chatScript],
    ['/chat/app.css', chatStyle(preset.brand)],
    ['/chat/logo.svg', preset.brand.logo],
    [
      "/chat/widget.js (on the insurer's page)",
      widgetScript({
        color: preset.brand.color,
        languages: preset.languages,
        translations,
        insurer: preset.name,
      }),
    ],
  ];
  const rows = files.map(([name, text]) => {
    const bytes = Buffer.from(text);
    return {
      name,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes).length,
    };
  });
  const visit = rows.slice(0, 4);
  const firstVisit = {
    raw: visit.reduce((sum, r) => sum + r.raw, 0),
    gzip: visit.reduce((sum, r) => sum + r.gzip, 0),
  };
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return {
    title: 'Web chat bundle size',
    body: [
      'Bytes served for the chat (Soglasie, Russian), raw and compressed; no framework, no build step.',
      '',
      '| file | raw | gzip | brotli |',
      '|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.name} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`),
      '',
      verdict(
        firstVisit.raw <= BUDGET,
        `first visit ${kb(firstVisit.raw)} as Kabinet serves it (budget ${kb(BUDGET)}), ${kb(firstVisit.gzip)} behind a compressing proxy`,
      ),
    ].join('\n'),
  };
}
