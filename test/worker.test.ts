import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Update } from 'grammy/types';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationFlow } from '../core/flows/registration';
import { bundleWorker, WORKER_LIMIT_GZIP } from '../scripts/worker-bundle';
import type { ChatMessage } from '../web/chat/inbox';
import { codeIn, startSmsGateway, startSmtpServer } from './support/fake-gateways';
import { buttonData, startFakeTelegram, TOKEN, telegramUser } from './support/fake-telegram';
import { type RunningService, startService } from './support/service-process';
import { createTestDatabase, serviceUrl } from './support/services';
import { startWorker } from './support/wrangler';

describe('the Worker bundle', () => {
  it('holds no Node-only module and stays under the free plan limit', async () => {
    const bundle = await bundleWorker();
    expect(bundle.nodeOnly).toEqual([]);
    expect(bundle.inputs.some((input) => input.includes('web/worker.ts'))).toBe(true);
    expect(bundle.gzipBytes).toBeLessThan(WORKER_LIMIT_GZIP);
  }, 60_000);
});

const databaseUrl = serviceUrl('DATABASE_URL');
const redisUrl = serviceUrl('REDIS_URL');

/**
 * The Worker under workerd (`wrangler dev`, no account, no network) beside a Node instance, both on one Postgres
 * and one Redis: a registration through the Worker's web chat API, its codes sent by the Node side from the jobs
 * the Worker queued, and the conversation going on at Node and back at the Worker with the same cookie.
 */
const SECRET = 'worker-hook-secret_0123456789abcdef';

describe.skipIf(!databaseUrl || !redisUrl)('Kabinet on Cloudflare Workers (wrangler dev) beside Node', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let sms: Awaited<ReturnType<typeof startSmsGateway>>;
  let telegram: Awaited<ReturnType<typeof startFakeTelegram>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let node: RunningService;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let dataDir: string;
  // A Redis database of its own: the chat's budgets per client (127.0.0.1 here) are not shared with other tests.
  const redis = `${(redisUrl ?? '').replace(/\/\d*$/, '')}/7`;

  beforeAll(async () => {
    const cleaner = new Redis(redis);
    await cleaner.flushdb();
    await cleaner.quit();
    [smtp, sms, telegram, database] = await Promise.all([
      startSmtpServer(),
      startSmsGateway(),
      startFakeTelegram(),
      createTestDatabase(databaseUrl ?? ''),
    ]);
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-worker-node-'));
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis,
      // base64url, as an embedded run writes its key: both sides must read it alike.
      DATA_KEY: Buffer.alloc(32, 251).toString('base64url'),
      PUBLIC_URL: 'http://127.0.0.1',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    };
    // Node first: it migrates the records and makes the job queues the Worker writes to.
    node = await startService({
      ...shared,
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Kabinet <no-reply@kabinet.test>',
      SMS_GATEWAY_URL: sms.url,
    });
    await node.recordsOpen();
    worker = await startWorker({ ...shared, KABINET_NODE_URL: node.url });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await node?.stop();
    await Promise.all([smtp?.close(), sms?.close(), telegram?.close(), database?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A browser whose requests may go to either side, as behind one host name. */
  function browser() {
    let cookie = '';
    let nonce: string | undefined;
    let n = 0;
    async function post(at: string, body: Record<string, unknown>) {
      const response = await fetch(`${at}/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id: `w-${++n}`, body }),
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      expect(response.status, await response.clone().text()).toBe(200);
      // Which side answered: the Worker itself, or Node (directly, or forwarded to).
      expect(response.headers.get('x-kabinet-runtime')).toBe(at === worker.url ? 'worker' : null);
      const reply = (await response.json()) as { messages: ChatMessage[] };
      for (const m of reply.messages) if (m.type === 'choices') nonce = m.nonce;
      return reply.messages.map((m) => ('text' in m ? m.text : '')).join('\n');
    }
    return {
      say: (at: string, text: string) => post(at, { type: 'text', text }),
      tap: (at: string, value: string) => post(at, { type: 'choice', value, nonce }),
      open: (at: string) => post(at, { type: 'open' }),
      updates: (at: string) =>
        fetch(`${at}/chat/updates?after=0`, { headers: { cookie } }).then((r) => r.json()),
    };
  }
  const arrived = async <T>(find: () => T | undefined): Promise<T> => {
    await expect.poll(find, { timeout: 15_000 }).toBeTruthy();
    return find() as T;
  };

  it('registers through the Worker, codes sent by Node, and the chat moves between them', async () => {
    const suffix = Date.now().toString(36);
    const email = `worker.${suffix}@example.ru`;
    const b = browser();
    const w = worker.url;
    expect(await b.open(w)).toContain('Здравствуйте');
    await b.tap(w, 'register');
    expect(await b.say(w, email)).toContain('Шаг 2 из 16');
    await b.say(w, `+7 916 ${String(Date.now() % 10_000_000).padStart(7, '0')}`);
    await b.say(w, 'Sunflower42');
    await b.say(w, 'Sunflower42');
    await b.tap(w, 'agree');
    expect(await b.tap(w, 'send')).toContain(`Мы отправили код из 6 цифр на ${email}`);

    // The Worker queued the codes; Node's workers sent them.
    const mail = await arrived(() => smtp.received.find((m) => m.to.includes(email)));
    expect(await b.say(w, codeIn(mail.text))).toContain('Мы отправили код из 6 цифр в SMS');
    const text = await arrived(() => sms.received.at(-1)?.text);

    // The next message goes to Node: same cookie, same conversation.
    expect(await b.say(node.url, codeIn(text))).toContain('личный кабинет создан');
    // And back to the Worker: the profile goes on where Node left it.
    expect(await b.say(w, 'Петрова')).toContain('Шаг 10 из 16');
    // The page's long polling, asked of the Worker, is Node's: the same history under the same cookie.
    const updates = (await b.updates(w)) as { messages: ChatMessage[] };
    expect(updates.messages.at(-1)).toMatchObject({ text: expect.stringContaining('Шаг 10 из 16') });

    // An activation page: the Worker's own, the same as Node's.
    const [atWorker, atNode] = await Promise.all(
      [w, node.url].map((at) =>
        fetch(`${at}/activate/not-a-token`).then(async (r) => [
          r.status,
          await r.text(),
          r.headers.get('x-kabinet-runtime'),
        ]),
      ),
    );
    expect(atWorker).toEqual([atNode?.[0], atNode?.[1], 'worker']);
    expect(String(atNode?.[1])).toContain('<html');
    // What only Node serves (the review desk), asked of the Worker, is answered by Node.
    const review = await fetch(`${w}/dev/review/not-the-token/`);
    expect(review.headers.get('x-kabinet-runtime')).toBe('node');
    // A path that looks like another host is still a path on the Node side: the Worker is nobody's open proxy.
    const elsewhere = await fetch(`${w}//example.com/`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ message: 'No route for GET //example.com/' });
    const ready = await fetch(`${w}/readyz`);
    expect(ready.headers.get('x-kabinet-runtime')).toBe('worker');
    expect(await ready.json()).toEqual({
      status: 'ready',
      postgres: 'ok',
      redis: 'ok',
    });

    // The funnel counts the Worker's turns as Node's: every step reached, each once, and the finish (at Node).
    const records = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const moves = async () =>
        (
          await records`select kind, step from funnel_events where flow = 'registration' and kind <> 'refused' order by id`
        ).map((row) => `${row.kind} ${row.step}`);
      await expect.poll(moves, { timeout: 10_000 }).toContain('finished phone_code');
      expect(await moves()).toEqual([
        ...(registrationFlow.progress ?? []).map((step) => `reached ${step}`),
        'finished phone_code',
      ]);
    } finally {
      await records.end();
    }
  }, 120_000);

  /**
   * A Telegram chat whose updates may go to either side, as Telegram's webhook behind one host name would. The
   * replies come from Node's sender (the Worker queues them), so each step waits for the text it expects and for
   * the rest of its batch.
   */
  function telegramChat() {
    const chatId = 8_000_000 + Math.floor(Math.random() * 1_000_000);
    const user = telegramUser(chatId);
    let seen = 0;
    async function send(at: string, update: Update, expected: string) {
      const response = await fetch(`${at}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body: JSON.stringify(update),
      });
      expect(response.status, await response.text()).toBe(200);
      const fresh = () => telegram.sent(chatId).slice(seen);
      await expect
        .poll(() => fresh().map((p) => p.text as string), { timeout: 15_000 })
        .toContainEqual(expect.stringContaining(expected));
      // The rest of the same batch, sent one call after another: quiet for half a second.
      for (let count = -1; count !== fresh().length; ) {
        count = fresh().length;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const replies = fresh();
      seen += replies.length;
      return { replies, runtime: response.headers.get('x-kabinet-runtime') };
    }
    /** Taps the button labelled `label` on the newest message that has it. */
    const tap = (at: string, label: string, expected: string) =>
      send(at, user.tap(buttonData(telegram.sent(chatId), label)), expected);
    return {
      chatId,
      user,
      send,
      tap,
      say: (at: string, text: string, expected: string) => send(at, user.text(text), expected),
    };
  }

  it('takes Telegram updates at the Worker as Node does: replies sent by Node, a file handed to Node, the chat moving between them', async () => {
    const w = worker.url;
    const c = telegramChat();
    const start = await c.say(w, '/start', 'Что вы хотите сделать?');
    expect(start.runtime).toBe('worker');
    expect(start.replies[0]?.text).toContain('Здравствуйте');
    expect(start.replies[1]?.reply_markup.inline_keyboard[0][0]).toEqual({
      text: 'Зарегистрироваться',
      callback_data: '0|register',
    });
    // Without Telegram's secret: refused at the Worker, as at Node, and nothing said.
    const forged = await fetch(`${w}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' },
      body: JSON.stringify(c.user.text('/start')),
    });
    expect([forged.status, forged.headers.get('x-kabinet-runtime')]).toEqual([401, 'worker']);
    const tapped = await c.tap(w, 'Зарегистрироваться', 'Шаг 1 из 16');
    expect(tapped.runtime).toBe('worker');
    // The button's spinner is stopped by the Worker itself.
    expect(telegram.calls.filter((call) => call.method === 'answerCallbackQuery')).toHaveLength(1);

    const email = `tg.worker.${c.chatId}@example.ru`;
    const phoneStep = await c.say(w, email, 'Шаг 2 из 16');
    expect(phoneStep.replies.at(-1)?.reply_markup).toEqual({
      keyboard: [[{ text: 'Отправить мой номер', request_contact: true }]],
      resize_keyboard: true,
      one_time_keyboard: true,
    });
    await c.send(w, c.user.contact('+79160000000', 42), 'Можно отправить только свой номер');
    const phone = `+7916${String(c.chatId).slice(-7)}`;
    const passwordStep = await c.send(w, c.user.contact(phone.slice(1)), 'Придумайте пароль');
    expect(passwordStep.replies[0]?.reply_markup).toEqual({ remove_keyboard: true });

    await c.say(w, 'Sunflower42', 'Повторите пароль');
    const deletedFirst = c.user.lastMessageId();
    await c.say(w, 'Sunflower42', 'пользовательским соглашением');
    // The password messages are deleted from the chat (by Node's sender, from the Worker's queue).
    await expect
      .poll(() => telegram.sent(c.chatId, 'deleteMessage').map((p) => p.message_id))
      .toEqual([deletedFirst, c.user.lastMessageId()]);
    await c.tap(w, 'Я согласен с пользовательским соглашением', 'Проверьте, всё ли верно');
    await c.tap(w, 'Всё верно, отправить коды', `Мы отправили код из 6 цифр на ${email}`);

    const mail = await arrived(() => smtp.received.find((m) => m.to.includes(email)));
    await c.say(w, codeIn(mail.text), 'Мы отправили код из 6 цифр в SMS');
    const text = await arrived(() => sms.received.find((m) => m.to === phone)?.text);
    // The next update goes to Node, the one after back to the Worker: one conversation.
    const created = await c.say(node.url, codeIn(text), 'личный кабинет создан');
    expect(created.runtime).toBe(null);
    expect((await c.say(w, 'Петрова', 'Шаг 10 из 16')).runtime).toBe('worker');

    // A photo needs Node's image pipeline: the Worker hands the update over, Node answers it.
    const photo = await c.send(w, c.user.photo(), 'Здесь нужен ответ текстом');
    expect(photo.runtime).toBe('node');
    // Nothing was said twice on the way (a repeat would follow its first).
    const said = telegram.sent(c.chatId).map((p) => p.text as string);
    expect(said.filter((t, i) => t === said[i - 1])).toEqual([]);
  }, 120_000);
});
