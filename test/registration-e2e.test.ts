import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../core/digest';
import type { Logger } from '../core/logger';
import { openDatabase } from '../db/database';
import type { ChatMessage } from '../web/chat/inbox';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { codeIn, startSmsGateway, startSmtpServer } from './support/fake-gateways';
import { createTestDatabase, serviceUrl } from './support/services';

/**
 * The whole registration and profile through the web chat API, as the service is composed for production:
 * nodemailer to a real SMTP server on loopback, the SMS gateway contract on a loopback HTTP server, bcrypt in
 * worker threads. Embedded stores by default; real Postgres and Redis when DATABASE_URL / REDIS_URL are set (CI).
 */
describe('registration end to end over the web chat', () => {
  const databaseUrl = serviceUrl('DATABASE_URL');
  const redisUrl = serviceUrl('REDIS_URL');
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let sms: Awaited<ReturnType<typeof startSmsGateway>>;
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const logs: string[] = [];
  const logger: Logger = {
    info: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
    warn: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
    error: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
  };

  beforeAll(async () => {
    [smtp, sms] = await Promise.all([startSmtpServer(), startSmsGateway()]);
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-e2e-'));
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    const config = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: testDatabase?.url,
      REDIS_URL: redisUrl,
      DATA_KEY: Buffer.alloc(32, 11).toString('base64'),
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Kabinet <no-reply@kabinet.test>',
      SMS_GATEWAY_URL: sms.url,
    });
    kabinet = await createKabinet(config, { logger });
    await kabinet.ready;
    kabinet.startBackground();
  });

  afterAll(async () => {
    await kabinet?.close();
    await Promise.all([smtp?.close(), sms?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The page's side of the conversation: cookie, message ids, the last buttons' nonce. */
  function browser() {
    let cookie = '';
    /** The first token: the conversation keeps its name when the token is rotated at sign-in. */
    let firstToken = '';
    let nonce: string | undefined;
    let n = 0;
    async function post(body: Record<string, unknown>) {
      const response = await kabinet.app.request('/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id: `msg-${++n}`, body }),
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      firstToken ||= decodeURIComponent(cookie.split('=')[1] ?? '').split('.')[0] ?? '';
      expect(response.status).toBe(200);
      const reply = (await response.json()) as { messages: ChatMessage[]; hidden: boolean };
      for (const m of reply.messages) if (m.type === 'choices') nonce = m.nonce;
      return { ...reply, text: reply.messages.map((m) => ('text' in m ? m.text : '')).join('\n') };
    }
    return {
      post,
      /** The conversation: named by a hash of the first token in the signed cookie (`kabinet_session=<token>.<mac>`). */
      conversationId: async () => `web:${await digest(firstToken, 22)}`,
      cookie: () => cookie,
      say: (text: string) => post({ type: 'text', text }),
      tap: (value: string) => post({ type: 'choice', value, nonce }),
    };
  }

  it('registers, confirms both contacts from what the servers received, and completes the profile', async () => {
    const suffix = Date.now().toString(36);
    const email = `e2e.${suffix}@example.ru`;
    const password = `Zq${Math.random().toString(36).slice(2, 10)}Lk9`;
    const b = browser();

    expect((await b.post({ type: 'open' })).text).toContain('Здравствуйте');
    await b.tap('register');
    await b.say(`  e2e.${suffix}@EXAMPLE.ru `);
    await b.say('8 (916) 700-12-34'.replace('700', String(700 + (Date.now() % 299))));
    const passwordReply = await b.say(password);
    expect(passwordReply.hidden).toBe(true);
    expect(passwordReply.messages.at(-1)).toMatchObject({
      secret: true,
      text: expect.stringContaining('Повторите пароль'),
    });
    expect((await b.say(password)).hidden).toBe(true);
    await b.tap('agree');
    expect((await b.tap('send')).text).toContain(`Мы отправили код из 6 цифр на ${email}`);

    await kabinet.settled(); // codes leave through the job queue, after the turn
    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(mail?.subject).toBe('СК «Согласие»: код подтверждения');
    expect(mail?.html).toContain('<p>Ваш код подтверждения:');
    const emailCode = codeIn(mail?.text ?? '');
    expect((await b.say(emailCode)).text).toContain('Мы отправили код из 6 цифр в SMS');

    await kabinet.settled();
    const message = sms.received.at(-1);
    expect(message?.to).toMatch(/^\+7916\d{7}$/);
    const smsCode = codeIn(message?.text ?? '');
    const guestCookie = b.cookie();
    expect((await b.say(smsCode)).text).toContain('личный кабинет создан');
    // The account attached: the browser holds a new session token, and the one it had opens nothing any more.
    expect(b.cookie()).not.toBe(guestCookie);
    const planted = await kabinet.app.request('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: guestCookie },
      body: JSON.stringify({ id: 'fixation-1', body: { type: 'text', text: '/start' } }),
    });
    expect(planted.headers.get('set-cookie')).toMatch(/^kabinet_session=/); // a new chat for that browser
    const plantedMenu = ((await planted.json()) as { messages: ChatMessage[] }).messages.at(-1);
    expect(plantedMenu?.type === 'choices' && plantedMenu.rows.flat().map((o) => o.value)).toContain(
      'sign_in',
    );

    for (const answer of ['Петрова', 'Анна', 'Сергеевна', '05.03.1985']) await b.say(answer);
    await b.tap('female');
    await b.tap('ru_passport');
    expect((await b.say('4510 987654')).text).toContain('45** ***654');
    expect((await b.tap('save')).text).toContain('Профиль сохранён');
    expect((await b.tap('my_account')).text).toContain('Профиль: заполнен');

    // Neither the password nor any code, nor the document number, is readable in the stores or the logs.
    const secrets = [password, emailCode, smsCode, '987654', '4510987654', '4510 987654'];
    const state = await dumpState(await b.conversationId(), [email, message?.to ?? '']);
    await kabinet.close();
    const everywhere = [await dumpRecords(), state, logs.join('\n')].join('\n');
    expect(everywhere).toContain(email); // the scan reads real data
    // Matched as whole tokens: a code or document number inside a longer run of digits (a millisecond
    // timestamp in the turn lock, say) is a coincidence, not a leak.
    for (const secret of secrets) expect(everywhere).not.toMatch(new RegExp(`(?<![0-9])${secret}(?![0-9])`));
  });

  /** Every row of every table, read after the service stopped (PGlite admits one process per directory). */
  async function dumpRecords(): Promise<string> {
    const database = await openDatabase(
      testDatabase ? { url: testDatabase.url } : { dataDir: join(dataDir, 'pglite') },
    );
    try {
      const tables = ['accounts', 'contacts', 'consents', 'profiles', 'audit_log'];
      const rows = await Promise.all(
        tables.map((table) => database.db.execute(sql.raw(`select * from ${table}`))),
      );
      return JSON.stringify(rows);
    } finally {
      await database.close();
    }
  }

  /** Everything in Redis under the service's prefix; in memory, the keys this conversation can have written. */
  async function dumpState(conversationId: string, contacts: string[]): Promise<string> {
    if (!redisUrl) {
      const keys = [
        `conv:${conversationId}`,
        `inbox:${conversationId}`,
        ...contacts.map((c) => `code:register:${c}:${conversationId}`),
      ];
      const values = await Promise.all(keys.map((key) => kabinet.store.get(key)));
      expect(values.filter(Boolean).length).toBeGreaterThanOrEqual(3);
      return JSON.stringify(values);
    }
    const redis = new Redis(redisUrl);
    try {
      const keys = await redis.keys('kabinet:*');
      const values = await Promise.all(
        keys.map(async (key) =>
          (await redis.type(key)) === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : await redis.dump(key),
        ),
      );
      return values.join('\n');
    } finally {
      redis.disconnect();
    }
  }
});
