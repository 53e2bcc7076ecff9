import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { type RunningService, startService } from './service-process';
import { servicesRequired } from './services';

/** Debian's Chromium: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && servicesRequired)
  throw new Error(`${CHROMIUM} is required in CI (apt-get install chromium)`);

export const launchChromium = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });

/** Where pictures of what the browser tests saw go, for a person to look at after the run (CI keeps them). */
export const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? join(process.cwd(), '.data', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/**
 * A person at the chat page, or at the chat inside a frame (the widget): types an answer or presses a button of
 * the newest question, and waits for the bot's reply.
 */
export function chatAt(root: Page | FrameLocator) {
  const bots = root.locator('#log li.bot');
  const lastBot = () => bots.last();
  /** Runs `act` and waits for the bot's answer to it. */
  async function replied(act: () => Promise<void>) {
    const before = await bots.count();
    await act();
    await expect.poll(() => bots.count(), { timeout: 10_000 }).toBeGreaterThan(before);
  }
  return {
    bots,
    lastBot,
    replied,
    answer: (text: string) =>
      replied(async () => {
        await root.locator('#text').fill(text);
        await root.locator('#text').press('Enter');
      }),
    tap: (label: string) => replied(() => lastBot().getByRole('button', { name: label }).click()),
  };
}

/**
 * For one test file: the service as `npm start` runs it (embedded defaults under a data directory of its own) and a
 * Chromium, started before the file's tests and stopped after them. `restart` stops the service and starts it
 * again on the same address and data (in-process state is lost, as in a deploy).
 */
export function chromiumOnService() {
  let dataDir = '';
  const at = {
    service: undefined as unknown as RunningService,
    browser: undefined as unknown as Browser,
    async restart() {
      await at.service.stop();
      at.service = await startService({ DATA_DIR: dataDir, PORT: new URL(at.service.url).port });
      await at.service.recordsOpen();
    },
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-browser-'));
    [at.service, at.browser] = await Promise.all([startService({ DATA_DIR: dataDir }), launchChromium()]);
    await at.service.recordsOpen();
  }, 60_000);
  afterAll(async () => {
    await at.browser?.close();
    await at.service?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return at;
}
