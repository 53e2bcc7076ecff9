import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramRoutes } from '../bots/telegram/webhook-routes';
import { digest } from '../core/digest';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { queueSettings } from '../core/ports/job-queue';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { codeIn, outboxOf } from './support/fake-gateways';
import {
  type ApiCallRecord,
  buttonData,
  startFakeTelegram,
  TOKEN,
  telegramUser,
} from './support/fake-telegram';
import { createTestDatabase, serviceUrl } from './support/services';

const SECRET = 'hook-secret_42_0123456789abcdef';

/**
 * Telegram end to end: real-shaped updates posted to /telegram/webhook, the real grammY client talking to a fake
 * Bot API on loopback, every flow through the same engine as the web chat.
 */
describe('Telegram channel', () => {
  let fake: Awaited<ReturnType<typeof startFakeTelegram>>;
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let chats = 7_000_000 + Math.floor(Math.random() * 1_000_000);
  const logs: string[] = [];
  const record = (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = { info: record, warn: record, error: record };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-tg-'));
    const databaseUrl = serviceUrl('DATABASE_URL');
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    kabinet = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: testDatabase?.url,
        REDIS_URL: serviceUrl('REDIS_URL'),
        DATA_KEY: Buffer.alloc(32, 4).toString('base64'),
        DEV_OUTBOX: '1', // codes are read from the outbox; in CI records are on a server database
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      }),
      // Replies to a failing chat are retried twice, a second apart, then given up.
      {
        queueSettings: {
          ...queueSettings,
          reply: { retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 30 },
        },
        logger,
      },
    );
    await kabinet.ready;
    kabinet.startBackground();
  });

  afterAll(async () => {
    await kabinet?.close();
    await Promise.all([fake?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (update: Update, secret = SECRET) =>
    kabinet.app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });

  /** A customer in a private chat: sends updates and reads what the bot sent back. */
  function customer(languageCode = 'ru') {
    const chatId = ++chats;
    const user = telegramUser(chatId, languageCode);
    let seen = 0;
    async function send(update: Update) {
      const response = await post(update);
      expect(response.status).toBe(200);
      await kabinet.settled();
      return replies();
    }
    /** sendMessage payloads for this chat since the last look. */
    function replies() {
      const all = fake.sent(chatId);
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    }
    /** Taps the button labelled `label` on the newest message that has it. */
    const tap = (label: string) => send(user.tap(buttonData(fake.sent(chatId), label)));
    return { chatId, user, send, say: (text: string) => send(user.text(text)), tap, replies };
  }

  const texts = (payloads: ApiCallRecord['payload'][]) => payloads.map((p) => p.text as string).join('\n');

  const outboxCode = (to: string) => outboxOf(kabinet).code(to);

  it('greets /start with the menu as an inline keyboard, and registers its commands in two languages', async () => {
    const c = customer();
    const replies = await c.say('/start');
    expect(replies[0]?.text).toContain('Здравствуйте');
    expect(replies[1]?.reply_markup.inline_keyboard[0][0]).toEqual({
      text: 'Зарегистрироваться',
      callback_data: '0|register',
    });
    await expect.poll(() => fake.calls.filter((call) => call.method === 'setMyCommands').length).toBe(2);
    const commands = fake.calls.filter((call) => call.method === 'setMyCommands').map((call) => call.payload);
    expect(commands.find((p) => p.language_code === 'en')?.commands).toContainEqual({
      command: 'back',
      description: 'Back to the previous question',
    });
    expect(commands.find((p) => !p.language_code)?.commands).toContainEqual({
      command: 'cancel',
      description: 'Отменить и вернуться в меню',
    });
  });

  it('speaks the language Telegram reports for the customer', async () => {
    expect(texts(await customer('en').say('/start'))).toContain('Soglasie Insurance');
  });

  it('registers and fills the profile: contact sharing, deleted passwords, codes from the outbox', async () => {
    const c = customer();
    await c.say('/start');
    await c.tap('Зарегистрироваться');
    const email = `tg.${c.chatId}@example.ru`;
    const phoneStep = await c.say(email);
    expect(phoneStep.at(-1)?.reply_markup).toEqual({
      keyboard: [[{ text: 'Отправить мой номер', request_contact: true }]],
      resize_keyboard: true,
      one_time_keyboard: true,
    });
    expect(texts(await c.send(c.user.contact('+79160000000', 42)))).toContain(
      'Можно отправить только свой номер',
    );
    const phone = `+7916${String(c.chatId).slice(-7)}`;
    const passwordStep = await c.send(c.user.contact(phone.slice(1)));
    expect(passwordStep[0]?.reply_markup).toEqual({ remove_keyboard: true });
    expect(texts(passwordStep)).toContain('Придумайте пароль');

    await c.say('Sunflower42');
    const deletedFirst = c.user.lastMessageId();
    await c.say('Sunflower42');
    const deleted = fake.sent(c.chatId, 'deleteMessage').map((p) => p.message_id);
    expect(deleted).toEqual([deletedFirst, c.user.lastMessageId()]);

    await c.tap('Я согласен с пользовательским соглашением');
    expect(texts(await c.tap('Всё верно, отправить коды'))).toContain(
      `Мы отправили код из 6 цифр на ${email}`,
    );
    await c.say(await outboxCode(email));
    expect(texts(await c.say(await outboxCode(phone)))).toContain('личный кабинет создан');

    for (const answer of ['Петрова', 'Анна', 'Сергеевна', '05.03.1985']) await c.say(answer);
    await c.tap('Женский');
    await c.tap('Паспорт гражданина РФ');
    expect(texts(await c.say('4510 987654'))).toContain('45** ***654');
    expect(texts(await c.tap('Всё верно, сохранить'))).toContain('Профиль сохранён');
  });

  it('signs in with /login, deletes the password message, signs out with /logout, and resets with /reset', async () => {
    const c = customer();
    const email = `tg.login.${c.chatId}.${Date.now()}@example.ru`;
    const created = await kabinet.services.accounts.createAccount({
      email,
      phone: `+7916${String(3_000_000 + c.chatId).slice(-7)}`,
      passwordHash: await kabinet.services.passwords.hash('Sunflower42'),
      consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
      contactsVerifiedAt: new Date(),
      actor: 'test',
    });
    expect(created.ok).toBe(true);
    await c.say('/start');
    expect(texts(await c.say('/login'))).toContain('Введите e-mail или номер мобильного телефона');
    await c.say(email);
    expect(texts(await c.say('Sunflower41'))).toContain('Неверный e-mail, телефон или пароль');
    const signedIn = await c.say('Sunflower42');
    expect(texts(signedIn)).toContain('Вы вошли в личный кабинет');
    expect(fake.sent(c.chatId, 'deleteMessage').map((p) => p.message_id)).toHaveLength(2);
    expect(texts(await c.tap('Мой кабинет'))).toContain('Telegram — этот чат');
    expect(texts(await c.say('/logout'))).toContain('Вы вышли из личного кабинета');

    // Forgot it: /reset by e-mail, the code and a new password in one message; the code signs the chat in.
    await c.say('/reset');
    await c.tap('На e-mail');
    expect(texts(await c.say(email))).toContain(`Если ${email} указан в личном кабинете`);
    const { messages } = (await (await kabinet.app.request('/dev/outbox?format=json')).json()) as {
      messages: { to: string; text: string }[];
    };
    const mail = messages.find((m) => m.to === email)?.text ?? '';
    const newPassword = /Новый пароль: (\S+)/.exec(mail)?.[1] ?? '';
    expect(newPassword).not.toBe('');
    expect(texts(await c.say(codeIn(mail)))).toContain('Пароль изменён');
    await c.say('/logout');
    await c.say('/login');
    await c.say(email);
    expect(texts(await c.say(newPassword))).toContain('Вы вошли в личный кабинет');
  });

  it('answers a tap on an out-of-date button without acting on it', async () => {
    const c = customer();
    await c.say('/start');
    await c.tap('Зарегистрироваться');
    const replies = await c.tap('Войти');
    expect(texts(replies)).toContain('Эта кнопка уже устарела');
    expect(texts(replies)).toContain('Введите адрес электронной почты');
    expect(fake.calls.some((call) => call.method === 'answerCallbackQuery')).toBe(true);
  });

  it('refuses an update with a wrong secret: 401 and no effect', async () => {
    const c = customer();
    const response = await post(c.user.text('/start'), 'not-the-secret');
    expect(response.status).toBe(401);
    expect(fake.sent(c.chatId)).toEqual([]);
    expect(await kabinet.store.get(`conv:tg:${c.chatId}`)).toBeNull();
  });

  it('refuses a body declared larger than 1 MB before reading it', async () => {
    const c = customer();
    const response = await kabinet.app.request('/telegram/webhook', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(2 * 1024 * 1024),
        'x-telegram-bot-api-secret-token': SECRET,
      },
      body: JSON.stringify(c.user.text('/start')),
    });
    expect(response.status).toBe(413);
    expect(fake.sent(c.chatId)).toEqual([]);
  });

  it('answers 200 to a poison update with the right secret, so Telegram stops resending it, and keeps serving', async () => {
    const c = customer();
    const raw = (body: string) =>
      kabinet.app.request('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body,
      });
    const base = c.user.text('/start') as unknown as { update_id: number; message: Record<string, unknown> };
    const poison = [
      '{"update_id": 1, "message": ',
      'null',
      '[]',
      '"text"',
      '{}',
      JSON.stringify({ update_id: 'x' }),
      JSON.stringify({ ...base, update_id: base.update_id + 1, message: { ...base.message, text: null } }),
      JSON.stringify({
        ...base,
        update_id: base.update_id + 2,
        message: { ...base.message, text: undefined, contact: { first_name: 'A', user_id: c.chatId } },
      }),
      JSON.stringify({ ...base, update_id: base.update_id + 3, message: { ...base.message, chat: null } }),
      JSON.stringify({ ...base, update_id: base.update_id + 4, message: { ...base.message, from: 'me' } }),
    ];
    for (const body of poison)
      expect({ body, status: (await raw(body)).status }).toEqual({ body, status: 200 });
    // Still refused without the secret, whatever the body.
    const forged = await kabinet.app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: 'null',
    });
    expect(forged.status).toBe(401);
    expect(texts(await c.say('/start'))).toContain('Что вы хотите сделать?');
  });

  it('handles an update delivered three times once', async () => {
    const c = customer();
    const update = c.user.text('/start');
    for (let i = 0; i < 3; i++) expect((await post(update)).status).toBe(200);
    await kabinet.settled();
    expect(c.replies()).toHaveLength(2);
  });

  it('handles ten updates for one chat arriving at once in order, losing none', async () => {
    const c = customer();
    await c.say('/start');
    await c.tap('Зарегистрироваться');
    const updates = [
      ...Array.from({ length: 9 }, (_, i) => c.user.text(`not-an-email-${i}`)),
      c.user.text(`ten.${c.chatId}@example.ru`),
    ];
    const responses = await Promise.all(updates.map((update) => post(update)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    await kabinet.settled();
    const replies = c.replies().map((p) => p.text as string);
    expect(replies.filter((t) => t.includes('Это не похоже на адрес электронной почты'))).toHaveLength(9);
    expect(replies.at(-1)).toContain('Введите номер мобильного телефона');
    expect(replies.some((t) => t.includes('Не удалось распознать номер'))).toBe(false);
  });

  it('retries a message Telegram refused with 429 after retry_after', async () => {
    const c = customer();
    await c.say('/start');
    fake.floodNext(1);
    const replies = await c.say('/help');
    expect(texts(replies)).toContain('Я задаю вопросы по одному');
    expect(
      fake.calls.filter((call) => call.method === 'sendMessage' && call.payload.text?.startsWith('Я задаю')),
    ).toHaveLength(2);
  });

  it('reads a photo where a text answer is expected as the wrong kind of answer', async () => {
    const c = customer();
    await c.say('/start');
    await c.tap('Зарегистрироваться');
    expect(texts(await c.send(c.user.photo()))).toContain('Здесь нужен ответ текстом');
  });

  it('tells a customer something mid-flow (a notice), and the flow goes on where it was', async () => {
    const c = customer();
    await c.say('/start');
    await c.tap('Зарегистрироваться');
    await kabinet.notices.send(`test-notice-${c.chatId}`, `tg:${c.chatId}`, 'tg', {
      key: 'code.delivery_failed.email',
    });
    // Queued twice (a retried job): said once.
    await kabinet.notices.send(`test-notice-${c.chatId}`, `tg:${c.chatId}`, 'tg', {
      key: 'code.delivery_failed.email',
    });
    await kabinet.settled();
    const notice = c.replies();
    expect(notice.map((p) => p.text)).toEqual([
      expect.stringContaining('Не удалось отправить письмо с кодом'),
      expect.stringContaining('Введите адрес электронной почты'),
    ]);
    expect(texts(await c.say(`notice.${c.chatId}@example.ru`))).toContain(
      'Введите номер мобильного телефона',
    );
  });

  it('gives up at once on a chat that blocked the bot, records it, and keeps serving the others', async () => {
    const blocked = customer();
    const other = customer();
    fake.failChat(blocked.chatId, 403);
    await post(blocked.user.text('/start'));
    expect(texts(await other.say('/start'))).toContain('Здравствуйте');
    await kabinet.settled();
    expect(blocked.replies()).toEqual([]);
    expect(logs.join('\n')).toContain(`replies given up {"conversationId":"tg:${blocked.chatId}"`);
    fake.failChat(blocked.chatId, null);
    // Unblocked, the customer writes again and is answered.
    expect(texts(await blocked.say('/help'))).toContain('/back');
  });

  it('retries a chat whose sends keep failing, gives it up after the bound, and other chats are not held up', async () => {
    const failing = customer();
    const other = customer();
    fake.failChat(failing.chatId, 500);
    const started = Date.now();
    await post(failing.user.text('/start'));
    // While the failing chat waits for its retries, another chat is answered at once.
    await post(other.user.text('/start'));
    await expect.poll(() => texts(fake.sent(other.chatId)), { interval: 20 }).toContain('Здравствуйте');
    expect(Date.now() - started).toBeLessThan(1000);
    await kabinet.settled();
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000); // two retries, 1 s then 2 s apart
    expect(failing.replies()).toEqual([]);
    expect(logs.join('\n')).toContain(`replies given up {"conversationId":"tg:${failing.chatId}"`);
    fake.failChat(failing.chatId, null);
    expect(texts(await failing.say('/help'))).toContain('/back');
  }, 20_000);

  it('tells a web chat something, seen after a reload, and the flow goes on', async () => {
    let cookie = '';
    let n = 0;
    const chat = async (path: string, body?: object) => {
      const response = await kabinet.app.request(path, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', cookie },
        body: body ? JSON.stringify({ id: `w${++n}`, body }) : undefined,
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      return (await response.json()) as { messages: { text: string; nonce?: string; seq: number }[] };
    };
    const opened = await chat('/chat/messages', { type: 'open' });
    await chat('/chat/messages', { type: 'choice', value: 'register', nonce: opened.messages.at(-1)?.nonce });
    const session = decodeURIComponent(cookie.split('=')[1] ?? '').split('.')[0] ?? '';
    // The web chat's conversation is named by a hash of the cookie's token.
    const conversation = `web:${await digest(session, 22)}`;
    await kabinet.notices.send(`web-notice-${session}`, conversation, 'web', {
      key: 'code.delivery_failed.email',
    });
    await kabinet.settled();
    // A reload reads the history: the notice, then the question the customer stood at.
    const history = (await chat('/chat/updates?after=0')).messages.map((m) => m.text);
    expect(history.slice(-2)).toEqual([
      expect.stringContaining('Не удалось отправить письмо с кодом'),
      expect.stringContaining('Введите адрес электронной почты'),
    ]);
    const next = await chat('/chat/messages', {
      type: 'text',
      text: `web.${session}@example.ru`.toLowerCase(),
    });
    expect(next.messages.at(-1)?.text).toContain('Введите номер мобильного телефона');
  });
});

describe('Telegram webhook while Telegram itself does not answer', () => {
  it('refuses a wrong secret at once without asking Telegram, and answers an update 5xx within seconds', async () => {
    // A Bot API that takes connections and never answers: the bot's first getMe hangs.
    const asked: string[] = [];
    const silent = createServer((request) => asked.push(request.url ?? ''));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const bot = new Bot(TOKEN, { client: { apiRoot: `http://127.0.0.1:${port}` } });
      const app = createTelegramRoutes(bot, SECRET, silentLogger);
      const post = (secret: string) =>
        app.request('/telegram/webhook', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: JSON.stringify(telegramUser(1).text('/start')),
        });
      expect((await post('not-the-secret')).status).toBe(401);
      expect(asked).toEqual([]);
      const started = Date.now();
      const answer = await post(SECRET);
      // 5xx: Telegram sends the update again later (200 would drop it; no answer would hold its connection).
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(asked.some((url) => url.endsWith('/getMe'))).toBe(true);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 30_000);
});
