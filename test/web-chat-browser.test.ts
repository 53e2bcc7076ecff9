import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chatAt, chromiumAvailable, chromiumOnService, screenshot } from './support/browser';
import { outboxOf } from './support/fake-gateways';
import { documentPhoto } from './support/images';

/**
 * A person in a real browser, on the service as `npm start` runs it (embedded defaults, the outbox for mail
 * and SMS): registers through the page, reading the codes at /dev/outbox.
 */
describe.skipIf(!chromiumAvailable)('the web chat page in Chromium', () => {
  const at = chromiumOnService();

  const lastBot = (page: Page) => chatAt(page).lastBot();
  const answer = (page: Page, text: string) => chatAt(page).answer(text);
  const tap = (page: Page, label: string) => chatAt(page).tap(label);
  const outboxCode = (to: string) => outboxOf(at.service.url).code(to);

  it('registers a customer from greeting to profile, with the password masked', async () => {
    const page = await at.browser.newPage({ locale: 'ru-RU' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${at.service.url}/`);
    await expect.poll(() => page.locator('#log li.bot').first().textContent()).toContain('Здравствуйте');

    const email = `browser.${Date.now().toString(36)}@example.ru`;
    await tap(page, 'Зарегистрироваться');
    // Each question says what it takes: the keyboard and autofill follow.
    expect(await page.getAttribute('#text', 'autocomplete')).toBe('email');
    expect(await page.getAttribute('#text', 'inputmode')).toBe('email');
    // An answered question's buttons are disabled: only the newest question's answer.
    expect(await page.locator('#log li.bot').nth(1).getByRole('button').first().isDisabled()).toBe(true);
    await answer(page, email);
    await answer(page, '+7 916 321-54-76');
    expect(await page.getAttribute('#text', 'type')).toBe('password');
    expect(await page.getAttribute('#text', 'autocomplete')).toBe('new-password');
    await answer(page, 'Sunflower42');
    await answer(page, 'Sunflower42');
    expect(await page.getAttribute('#text', 'type')).toBe('text');
    expect(await page.locator('#log li.me').allTextContents()).not.toContain('Sunflower42');
    // The agreement's address is a link that opens beside the chat.
    const agreement = page.locator('#log a[href="https://lk.soglasie.ru/agreement"]');
    expect(await agreement.count()).toBe(1);
    expect(await agreement.getAttribute('rel')).toBe('noopener noreferrer');
    // After each reply the keyboard is where the answer goes: the first button of a choice.
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Я согласен с пользовательским соглашением',
    );
    await tap(page, 'Я согласен с пользовательским соглашением');
    await tap(page, 'Всё верно, отправить коды');
    expect(await page.getAttribute('#text', 'autocomplete')).toBe('one-time-code');
    expect(await page.getAttribute('#text', 'inputmode')).toBe('numeric');
    await answer(page, await outboxCode(email));
    await answer(page, await outboxCode('+79163215476'));
    await expect.poll(() => page.locator('#log').textContent()).toContain('личный кабинет создан');
    expect(await lastBot(page).textContent()).toContain('Фамилия');
    await screenshot(page, 'registered');

    // The profile, then identity confirmation with pictures chosen in the file picker.
    await answer(page, 'Иванова');
    await answer(page, 'Анна');
    await tap(page, 'Нет отчества');
    await answer(page, '05.03.1985');
    await tap(page, 'Женский');
    await tap(page, 'Паспорт гражданина РФ');
    await answer(page, '45 10 123456');
    await tap(page, 'Всё верно, сохранить');
    await tap(page, 'Подтвердить личность');
    await tap(page, 'Дополнить заявку');
    expect(await page.isEnabled('#file')).toBe(true);
    for (const seed of [61, 62, 63]) {
      const before = await page.locator('#log li.bot').count();
      await page.setInputFiles('#file', {
        name: `page-${seed}.jpg`,
        mimeType: 'image/jpeg',
        buffer: await documentPhoto(seed),
      });
      await expect
        .poll(() => page.locator('#log li.bot').count(), { timeout: 15_000 })
        .toBeGreaterThan(before);
    }
    // Each picture shows as a preview in the customer's bubble; the summary shows the three kept previews.
    expect(await page.locator('#log li.me.upload img').count()).toBe(3);
    // Finished: the bar goes when the upload's own answer is in, which may come just after the reply the page
    // heard by long polling.
    await expect.poll(() => page.locator('#log li.me.upload progress').count()).toBe(0);
    const previews = page.locator('#log li.previews img');
    await expect.poll(() => previews.count()).toBe(3);
    await expect
      .poll(() =>
        previews.evaluateAll((images) =>
          images.every((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
        ),
      )
      .toBe(true);
    expect(await page.isEnabled('#file')).toBe(false); // the summary asks for a button, not a picture
    await tap(page, 'Отправить');
    expect(await page.locator('#log').textContent()).toContain('ответ будет дан в течение суток');

    // The operator decides on the local review page whose address the service printed at start.
    const reviewPath = /\/dev\/review\/[\w-]+\//.exec(at.service.output())?.[0];
    expect(reviewPath).toBeTruthy();
    const desk = await at.browser.newPage({ locale: 'ru-RU' });
    await desk.goto(`${at.service.url}${reviewPath}`);
    expect(await desk.locator('section img').count()).toBe(3);
    await desk.getByRole('button', { name: 'Подтвердить' }).click();
    await expect.poll(() => desk.locator('.flash').textContent()).toContain('Решение принято');
    // The chat page hears the decision by itself (it polls for updates).
    await expect
      .poll(() => page.locator('#log').textContent(), { timeout: 15_000 })
      .toContain('Ваша личность подтверждена');
    await screenshot(page, 'identity-confirmed');
    expect(errors).toEqual([]);
  }, 90_000);

  it('speaks the language asked for in the whole frame, with a switch to the others', async () => {
    const page = await at.browser.newPage({ locale: 'ru-RU' });
    await page.goto(`${at.service.url}/?lang=en`);
    await expect.poll(() => page.locator('#log li.bot').count()).toBe(2);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('#text', 'placeholder')).toBe('Type your answer…');
    expect(await page.title()).not.toMatch(/[А-Яа-яЁё]/);
    // Nothing on the page is Russian (the greeting too: the chat starts in the page's language) but the switch's
    // own name for Russian and the menu's bilingual language button, kept so for whoever cannot read the other.
    const visible = ((await page.locator('body').textContent()) ?? '')
      .replace('Русский', '')
      .replace('Язык / Language', '');
    expect(visible).not.toMatch(/[А-Яа-яЁё]/);
    expect(await page.locator('nav a[lang="ru"]').getAttribute('href')).toBe('?lang=ru');
    // And the other way round: a Russian frame has no English words of the frame.
    const russian = await at.browser.newPage({ locale: 'en-US' });
    await russian.goto(`${at.service.url}/?lang=ru`);
    await expect.poll(() => russian.locator('#log li.bot').count()).toBe(2);
    expect(await russian.getAttribute('#text', 'placeholder')).toBe('Напишите ответ…');
    expect(await russian.locator('header span').textContent()).not.toMatch(/[A-Za-z]{3}/);
  });

  it('has a tab icon', async () => {
    const icon = await fetch(`${at.service.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('keeps the conversation across a page reload', async () => {
    const page = await at.browser.newPage({ locale: 'ru-RU' });
    await page.goto(`${at.service.url}/`);
    await expect.poll(() => page.locator('#log li.bot').count()).toBe(2);
    await tap(page, 'Войти');
    await page.reload();
    await expect.poll(() => page.locator('#log li.bot').count()).toBe(3);
    expect(await lastBot(page).textContent()).toContain('Введите e-mail или номер мобильного телефона');
  });

  // Last in this file: it restarts the service the other tests share.
  it('recovers by itself when a restart lost the conversation (embedded, in-process state)', async () => {
    const page = await at.browser.newPage({ locale: 'ru-RU' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${at.service.url}/`);
    await expect.poll(() => page.locator('#log li.bot').count()).toBe(2);
    await tap(page, 'Зарегистрироваться');
    await answer(page, `restart.${Date.now().toString(36)}@example.ru`);
    expect(await lastBot(page).textContent()).toContain('телефон');
    // The same address, a new process: the conversation and its numbered replies were only in memory.
    await at.restart();
    // The server starts afresh (greeting and menu, numbered from 1 again); the page shows it, no reload needed.
    await answer(page, '+7 916 321-54-77');
    await expect.poll(() => lastBot(page).textContent()).toContain('Что вы хотите сделать?');
    await tap(page, 'Войти');
    expect(await lastBot(page).textContent()).toContain('Введите e-mail или номер мобильного телефона');
    expect(errors).toEqual([]);
  }, 90_000);
});
