import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAt, chromiumAvailable, launchChromium, screenshot } from './support/browser';
import { freePort, type RunningService, startService } from './support/service-process';

/**
 * An insurer's own page on another site, with the widget's one tag on it, and CSS of its own that would show a
 * hidden frame (as some sites' resets do).
 */
async function insurerSite(widgetSrc: string): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Insurer</title><style>iframe { display: block }</style></head>
<body><h1>Insurer's home page</h1><script src="${widgetSrc}" defer></script></body></html>`;
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  // `localhost`, while the chat is served from 127.0.0.1: another site, so the chat is a third party here.
  return { url: `http://localhost:${port}/`, server };
}

/**
 * The widget on an insurer's site: one script tag opens the chat in a frame of Kabinet's origin. The site named
 * in WEB_CHAT_EMBED_ORIGINS gets a working chat (the conversation carries on across messages and a reload, so the
 * third-party cookie is sent and kept); a site not named gets nothing.
 */
describe.skipIf(!chromiumAvailable)('the web chat widget on another site', () => {
  let service: RunningService;
  let browser: Browser;
  let dataDir: string;
  let allowed: { url: string; server: Server };
  let stranger: { url: string; server: Server };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-widget-'));
    // The sites need the chat's address for their tag, and the chat needs the allowed site's origin.
    const chatPort = await freePort();
    const widget = `http://127.0.0.1:${chatPort}/chat/widget.js`;
    [allowed, stranger] = await Promise.all([insurerSite(widget), insurerSite(widget)]);
    [service, browser] = await Promise.all([
      startService({
        DATA_DIR: dataDir,
        PORT: String(chatPort),
        WEB_CHAT_EMBED_ORIGINS: new URL(allowed.url).origin,
      }),
      launchChromium(),
    ]);
    await service.recordsOpen();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    for (const site of [allowed, stranger]) site?.server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openWidget(page: Page) {
    await page.getByRole('button', { name: 'Open the chat' }).click();
    expect(await page.getByRole('button', { name: 'Close the chat' }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    return page.frameLocator('iframe[title="Soglasie Insurance: personal account chat"]');
  }

  it('opens the chat in a frame on the allowed site, in the page language, and keeps the conversation', async () => {
    const page = await browser.newPage({ locale: 'ru-RU' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(allowed.url);
    const frame = await openWidget(page);
    const chat = chatAt(frame);
    // The host page is in English: so is the chat, though the browser prefers Russian.
    await expect.poll(() => chat.bots.first().textContent(), { timeout: 10_000 }).toContain('Hello');
    await chat.tap('Register');
    await chat.answer(`widget.${Date.now().toString(36)}@example.ru`);
    // The e-mail was taken in the same conversation: the cookie went with the second message.
    expect(await chat.lastBot().textContent()).toContain('Step 2 of 16');
    await screenshot(page, 'widget-open');

    // Closed and opened again: the same frame; after a reload of the site: the same conversation.
    await page.getByRole('button', { name: 'Close the chat' }).click();
    expect(await page.locator('iframe').isHidden()).toBe(true);
    await page.reload();
    const again = chatAt(await openWidget(page));
    await expect.poll(() => again.bots.count(), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await again.lastBot().textContent()).toContain('Step 2 of 16');
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows nothing of the chat on a site that is not allowed', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('frame-ancestors')) refusals.push(message.text());
    });
    await page.goto(stranger.url);
    const frame = await openWidget(page);
    // The browser refuses to show it, and says why in the site's console.
    await expect.poll(() => refusals.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await frame.locator('#log').count()).toBe(0);
    await screenshot(page, 'widget-refused');
  }, 30_000);
});
