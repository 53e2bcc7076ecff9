import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger';
import { createStaffLinks } from '../core/staff-links';
import { loadConfig } from '../web/config';
import { deriveSecret } from '../web/derived-secrets';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { chromiumAvailable, launchChromium, screenshot } from './support/browser';
import { outboxOf } from './support/fake-gateways';
import { webCustomer } from './support/identity-customers';

const TOKEN = 'operator-token_0123456789abcdef';
const DATA_KEY = Buffer.alloc(32, 14);

/**
 * The funnel page, from conversations held through the web chat: five customers start registering and stop at
 * different places (one finishes); staff see how many reached each step, where they stopped, the time at each step
 * and the refusals by key: through a signed link an operator gets for the token, or a reviewer's from Slack.
 */
describe('the funnel page', () => {
  let kabinet: Kabinet;
  let dataDir: string;
  const links = createStaffLinks({
    secret: deriveSecret(DATA_KEY, 'staff-links'),
    publicUrl: 'http://127.0.0.1:3000',
  });

  const outboxCode = (to: string) => outboxOf(kabinet).code(to);

  /** A customer who starts registering, answers `answers` (`tap:` taps a button), and stops there. */
  async function registers(answers: string[]) {
    const customer = webCustomer(kabinet);
    await customer.open();
    await customer.tap('register');
    for (const answer of answers)
      await (answer.startsWith('tap:') ? customer.tap(answer.slice(4)) : customer.say(answer));
    return customer;
  }

  /** The page as a browser without a link sees it, and the link an operator gets for the token. */
  const request = (path: string, init?: RequestInit) => kabinet.app.request(path, init);
  async function operatorLink(): Promise<string> {
    const response = await request('/staff/funnel', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }),
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/staff\/funnel\?by=operator&until=\d+&sig=/); // stays on this address
    return location;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-funnel-'));
    kabinet = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATA_KEY: DATA_KEY.toString('base64'),
        OPERATOR_TOKEN: TOKEN,
      }),
      { logger: silentLogger },
    );
    await kabinet.ready;
    kabinet.startBackground();
    const stamp = String(Date.now()).slice(-5);
    const email = (n: number) => `funnel.${stamp}.${n}@example.ru`;
    const phone = (n: number) => `+7916${n}${n}${stamp}`;
    await registers(['not an address', email(1), phone(1)]); // stops at the password
    await registers([email(2), '/cancel']); // leaves at the phone
    await registers([email(3)]); // goes quiet at the phone
    await registers([email(4), phone(4), 'Sunflower42', 'Sunflower43']); // the repeat differs: back to the password
    const finisher = await registers([
      email(5),
      'not a phone',
      phone(5),
      'Sunflower42',
      'Sunflower42',
      'tap:agree',
      'tap:send',
    ]);
    await finisher.say(await outboxCode(email(5)));
    expect(await finisher.say(await outboxCode(phone(5)))).toContain('личный кабинет создан');
    // Two sign in: one types a wrong password and goes back to the menu (leaves), one signs in (finishes).
    const gaveUp = webCustomer(kabinet);
    await gaveUp.open();
    await gaveUp.tap('sign_in');
    await gaveUp.say(email(5));
    expect(await gaveUp.say('Wrong-password-1')).toContain('Неверный');
    await gaveUp.tap('menu');
    const signedIn = webCustomer(kabinet);
    await signedIn.open();
    await signedIn.tap('sign_in');
    await signedIn.say(email(5));
    await signedIn.say('Sunflower42');
    // The funnel's events are written in batches, at most a second late.
    const link = await operatorLink();
    await vi.waitFor(
      async () => {
        const html = await (await request(`${link}&flow=sign-in`)).text();
        expect(html).toContain('Вошли в сценарий: <b>2</b> · завершили: <b>1</b>');
      },
      { timeout: 10_000, interval: 100 },
    );
    await vi.waitFor(
      async () => {
        const html = await (await request(`${link}&flow=registration`)).text();
        expect(html).toContain('Вошли в сценарий: <b>5</b> · завершили: <b>1</b>');
      },
      { timeout: 10_000, interval: 100 },
    );
  }, 60_000);
  afterAll(async () => {
    await kabinet?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('opens only through a signed link: an operator trades the token for one; a wrong token, a forged or expired link are refused', async () => {
    const bare = await request('/staff/funnel');
    const form = await bare.text();
    expect(form).toContain('name="token"');
    expect(form).not.toContain('<svg');
    const wrong = await request('/staff/funnel', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: `${TOKEN}x` }),
    });
    expect(wrong.status).toBe(403);
    const link = await operatorLink();
    expect(link).not.toContain(TOKEN);
    expect((await request(link)).status).toBe(200);
    const forged = link.replace(/by=operator/, 'by=U0SOMEONE');
    expect((await request(forged)).status).toBe(403);
    const expired = createStaffLinks({
      secret: deriveSecret(DATA_KEY, 'staff-links'),
      publicUrl: '',
      now: () => Date.now() - 2 * 60 * 60 * 1000,
    });
    const old = await request(await expired.funnel('operator'));
    expect(old.status).toBe(403);
    expect(await old.text()).toContain('устарела');
    // A reviewer's link from Slack opens it only while they are a reviewer (none is configured here).
    expect((await request(await links.funnel('U0REVIEWER'))).status).toBe(403);
  });

  it('counts who reached each step, where they stopped, and the refusals by key', async () => {
    const link = await operatorLink();
    const html = await (await request(`${link}&flow=registration`)).text();
    const row = (step: string) =>
      [
        ...(new RegExp(`<tr><th scope="row">${step}</th>(.*?)</tr>`).exec(html)?.[1] ?? '').matchAll(
          /<td>(.*?)<\/td>/g,
        ),
      ].map((m) => m[1]);
    expect(html).toContain('завершили: <b>1</b> (20%)');
    expect(row('email').slice(0, 4)).toEqual(['5', '100%', '0', expect.stringMatching(/ с$| мин$/)]);
    expect(row('phone').slice(0, 3)).toEqual(['5', '100%', '2']);
    expect(row('password').slice(0, 3)).toEqual(['3', '60%', '2']); // a repeat that differs asks again
    expect(row('password_repeat').slice(0, 3)).toEqual(['2', '40%', '0']);
    expect(row('phone_code').slice(0, 3)).toEqual(['1', '20%', '0']);
    // The refusals by their message key, never what was typed.
    expect(row('email')[4]).toMatch(/<code[^>]*>reg\.email\.[\w.]+<\/code> × 1/);
    expect(row('phone')[4]).toMatch(/<code[^>]*>reg\.phone\.[\w.]+<\/code> × 1/);
    expect(html).not.toContain('not an address');
    expect(html).not.toContain('Sunflower');
    expect(html).toContain('<svg role="img"');
  });

  it('says what is wrong with a period, and keeps to the one asked for', async () => {
    const link = await operatorLink();
    for (const from of ['2026-13-01', '2026-02-30', '9999-12-25', '1999-12-31', '26-01-01']) {
      const bad = await request(`${link}&from=${from}&to=2026-03-01`);
      expect(bad.status, from).toBe(400);
      expect(await bad.text()).toContain('ГГГГ-ММ-ДД');
    }
    const huge = await request('/staff/funnel', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(100_000)}`,
    });
    expect(huge.status).toBe(413);
    const backwards = await request(`${link}&from=2026-05-02&to=2026-05-01`);
    expect(await backwards.text()).toContain('позже');
    const past = await (await request(`${link}&flow=registration&from=2025-01-01&to=2025-01-31`)).text();
    expect(past).toContain('никто не входил');
  });

  it.skipIf(!chromiumAvailable)(
    'draws the chart in a browser (screenshot kept)',
    async () => {
      let server: ServerType | undefined;
      const browser = await launchChromium();
      try {
        server = await new Promise<ServerType>((resolve) => {
          const started = serve({ fetch: kabinet.app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
            resolve(started),
          );
        });
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const page = await browser.newPage({ locale: 'ru-RU', viewport: { width: 1000, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
        await page.goto(`${base}/staff/funnel`);
        await page.getByLabel('Токен оператора').fill(TOKEN);
        await page.getByRole('button', { name: 'Открыть' }).click();
        await page.getByLabel('Сценарий').selectOption('registration');
        await page.getByRole('button', { name: 'Показать' }).click();
        const chart = page.getByRole('img', { name: /Сколько разговоров дошло/ });
        await expect.poll(() => chart.isVisible()).toBe(true);
        // One bar per step reached, as wide as its share: the first step's the widest, each later one no wider.
        const widths = await page.$$eval('svg g rect:first-of-type', (rects) =>
          rects.map((r) => r.getBoundingClientRect().width),
        );
        expect(widths.length).toBeGreaterThanOrEqual(8);
        expect(widths[0]).toBeGreaterThan(100);
        for (let i = 1; i < widths.length; i++)
          expect(widths[i]).toBeLessThanOrEqual((widths[i - 1] ?? 0) + 0.5);
        expect(await page.locator('svg title', { hasText: 'phone: дошли 5, остановились 2' }).count()).toBe(
          1,
        );
        await screenshot(page, 'funnel-registration');
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
        await new Promise((resolve) => server?.close(resolve));
      }
    },
    60_000,
  );
});
