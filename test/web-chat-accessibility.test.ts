import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAt, chromiumAvailable, chromiumOnService, screenshot } from './support/browser';
import { outboxOf } from './support/fake-gateways';

/** WCAG 2.1 A and AA plus axe's best practices; only the serious and critical findings fail the test. */
const AXE_OPTIONS = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
};
const BLOCKING = ['serious', 'critical'];

/** The part of axe-core's result that a failure message needs. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

const PHONE: BrowserContextOptions = {
  locale: 'ru-RU',
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
};
const DESKTOP: BrowserContextOptions = { locale: 'ru-RU', viewport: { width: 1280, height: 800 } };

/**
 * The web chat page for people who do not use a mouse, or do not see it well: axe-core's automated checks at
 * the chat's typical moments, and a whole registration with the keyboard alone, on a phone and on a desktop.
 * Screenshots of each checked moment are kept as artefacts.
 */
describe.skipIf(!chromiumAvailable)('the web chat page, accessible in Chromium', () => {
  const at = chromiumOnService();
  let axeSource: string;
  beforeAll(async () => {
    axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  });

  // Each registration its own contacts: one service holds them all.
  let people = 0;
  function newPerson() {
    const n = ++people;
    const digits = String((Date.now() + n) % 10_000_000).padStart(7, '0');
    return {
      email: `a11y.${Date.now().toString(36)}.${n}@example.ru`,
      typedPhone: `+7 916 ${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`,
      phone: `+7916${digits}`,
    };
  }

  const bots = (page: Page) => chatAt(page).bots;
  const lastBot = (page: Page) => chatAt(page).lastBot();
  async function opened(options: BrowserContextOptions) {
    const page = await at.browser.newPage(options);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${at.service.url}/`);
    // The greeting and the menu.
    await expect.poll(() => bots(page).count()).toBe(2);
    return { page, errors };
  }
  const replied = (page: Page, act: () => Promise<void>) => chatAt(page).replied(act);
  const answer = (page: Page, text: string) => chatAt(page).answer(text);
  const tap = (page: Page, label: string) => chatAt(page).tap(label);
  const outboxCode = (to: string) => outboxOf(at.service.url).code(to);

  /** axe-core's serious and critical findings on the page as it is now. */
  async function blockingViolations(page: Page): Promise<AxeViolation[]> {
    if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.addScriptTag({ content: axeSource });
    const { violations } = await page.evaluate(
      (options) =>
        (
          globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }
        ).axe.run(options),
      AXE_OPTIONS,
    );
    return violations.filter((v) => BLOCKING.includes(v.impact ?? ''));
  }
  const described = (violations: AxeViolation[]) =>
    violations
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help}\n${v.nodes
            .map((n) => `    ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`)
            .join('\n')}`,
      )
      .join('\n');
  /** Checks one moment of the chat and keeps its picture; soft, so every moment is checked and reported. */
  async function axeCheckpoint(page: Page, name: string) {
    await screenshot(page, `axe-${name}`);
    const violations = await blockingViolations(page);
    // Compared in short (rule, impact, help, elements) so that a failure reads as a list; the message adds why.
    const found = violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      elements: v.nodes.map((n) => n.target.join(' ')),
    }));
    expect.soft(found, `axe at "${name}":\n${described(violations)}`).toEqual([]);
  }

  it('has no serious or critical axe findings at the greeting, an error, the password and the profile summary', async () => {
    // The page's Content-Security-Policy (rightly) refuses inline scripts: let the test's axe-core in.
    const { page, errors } = await opened({ ...DESKTOP, bypassCSP: true });
    await axeCheckpoint(page, 'greeting');

    const person = newPerson();
    await tap(page, 'Зарегистрироваться');
    await answer(page, 'not-an-email');
    // The error, then the question again: the error is the bubble before the last.
    expect(await bots(page).nth(-2).textContent()).toContain('Это не похоже на адрес электронной почты');
    // Shown as an error, and said at once to a screen reader; the question after it is not.
    expect(await bots(page).nth(-2).getAttribute('class')).toContain('refusal');
    expect(await bots(page).nth(-2).locator('[role="alert"]').count()).toBe(1);
    expect(await lastBot(page).locator('[role="alert"]').count()).toBe(0);
    await axeCheckpoint(page, 'email-error');

    await answer(page, person.email);
    await answer(page, person.typedPhone);
    expect(await page.getAttribute('#text', 'type')).toBe('password');
    await axeCheckpoint(page, 'password');

    await answer(page, 'Sunflower42');
    await answer(page, 'Sunflower42');
    await tap(page, 'Я согласен с пользовательским соглашением');
    await tap(page, 'Всё верно, отправить коды');
    await answer(page, await outboxCode(person.email));
    await answer(page, await outboxCode(person.phone));
    await answer(page, 'Иванова');
    await answer(page, 'Анна');
    await tap(page, 'Нет отчества');
    await answer(page, '05.03.1985');
    await tap(page, 'Женский');
    await tap(page, 'Паспорт гражданина РФ');
    await answer(page, '45 10 123456');
    expect(await lastBot(page).textContent()).toContain('Проверьте профиль');
    await axeCheckpoint(page, 'profile-summary');
    expect(errors).toEqual([]);
  }, 60_000);

  /** What has the keyboard now: `#id`, `tag:text` for a button or link, or `body` when nothing has. */
  const focused = (page: Page) =>
    page.evaluate<string>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return 'body';
      return el.id ? '#' + el.id : el.tagName.toLowerCase() + ':' + el.textContent.trim();
    })()`);

  /**
   * Registration to the profile's first question with page.keyboard only: no clicks, no fills. Where a reply left
   * the keyboard somewhere else than where the answer goes, that is a finding (soft, so the run goes on to find
   * the next ones) and the person Tabs on to the right place, as someone with a keyboard would.
   */
  async function registerByKeyboard(page: Page, press: 'Enter' | 'Space') {
    async function tabTo(target: string) {
      for (let tabs = 0; tabs < 20 && (await focused(page)) !== target; tabs++)
        await page.keyboard.press('Tab');
      expect(await focused(page), `Tab reaches ${target}`).toBe(target);
    }
    // The reply put the keyboard in the text field: type there and send with Enter.
    async function type(text: string) {
      expect.soft(await focused(page), `focus after the question, before typing "${text}"`).toBe('#text');
      await tabTo('#text');
      await replied(page, async () => {
        await page.keyboard.type(text);
        await page.keyboard.press('Enter');
      });
    }
    // The reply put the keyboard on its first button: Tab walks to the one wanted, Enter or Space presses it.
    async function choose(label: string) {
      const first = await lastBot(page).getByRole('button').first().textContent();
      expect
        .soft(await focused(page), `focus after the question, before choosing "${label}"`)
        .toBe(`button:${first}`);
      await tabTo(`button:${label}`);
      await replied(page, () => page.keyboard.press(press));
    }

    const person = newPerson();
    await choose('Зарегистрироваться');
    await type(person.email);
    await type(person.typedPhone);
    await type('Sunflower42');
    await type('Sunflower42');
    // The agreement is a link just before the consent buttons: Shift+Tab reaches it, Tab comes back.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('a:https://lk.soglasie.ru/agreement');
    await page.keyboard.press('Tab');
    await choose('Я согласен с пользовательским соглашением');
    await choose('Всё верно, отправить коды');
    await type(await outboxCode(person.email));
    await type(await outboxCode(person.phone));
    await expect.poll(() => page.locator('#log').textContent()).toContain('личный кабинет создан');
    expect(await lastBot(page).textContent()).toContain('Фамилия');
    expect(await focused(page)).toBe('#text');
  }

  /** On a phone the whole chat fits the screen's width, and the field and its send button are on screen. */
  async function expectFitsPhone(page: Page, where: string) {
    // Measured against the phone's own size, not innerWidth: a mobile Chrome widens its layout viewport (and so
    // innerWidth) to content that overflows, which would hide the very scroll looked for.
    const { width, height } = PHONE.viewport ?? { width: 0, height: 0 };
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect.soft(scrollWidth, `horizontal scroll on a phone at ${where}`).toBeLessThanOrEqual(width);
    for (const control of ['#text', '#composer button[type=submit]']) {
      const box = await page.locator(control).boundingBox();
      expect.soft(box, `${control} is shown at ${where}`).not.toBeNull();
      if (!box) continue;
      const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
      expect
        .soft(inside, `${control} ${JSON.stringify(box)} within ${width}×${height} at ${where}`)
        .toBe(true);
    }
  }

  it('registers with the keyboard alone on a phone', async () => {
    const { page, errors } = await opened(PHONE);
    await screenshot(page, 'phone-greeting');
    await expectFitsPhone(page, 'the greeting');
    await registerByKeyboard(page, 'Space');
    await expectFitsPhone(page, 'the profile');
    await screenshot(page, 'phone-registered');
    expect(errors).toEqual([]);
  }, 40_000);

  it('registers with the keyboard alone on a desktop', async () => {
    const { page, errors } = await opened(DESKTOP);
    await registerByKeyboard(page, 'Enter');
    await screenshot(page, 'desktop-registered');
    expect(errors).toEqual([]);
  }, 40_000);
});
