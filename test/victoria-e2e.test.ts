import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../web/chat/inbox';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { codeIn, startSmsGateway, startSmtpServer } from './support/fake-gateways';
import { createTestDatabase, serviceUrl } from './support/services';

/** A port nobody listens on, for the service to take (PUBLIC_URL must name it before start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Victoria end to end, as composed for production and served over HTTP on loopback: the web chat API, the SMS
 * gateway contract, a real SMTP server, the activation link fetched over HTTP, the first sign-in's forced change.
 * Real Postgres and Redis when DATABASE_URL / REDIS_URL are set (CI).
 */
describe('Victoria end to end over HTTP', () => {
  const databaseUrl = serviceUrl('DATABASE_URL');
  const redisUrl = serviceUrl('REDIS_URL');
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let sms: Awaited<ReturnType<typeof startSmsGateway>>;
  let kabinet: Kabinet;
  let server: ServerType;
  let base: string;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

  beforeAll(async () => {
    [smtp, sms] = await Promise.all([startSmtpServer(), startSmsGateway()]);
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-victoria-'));
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      INSURER: 'victoria',
      PORT: String(port),
      PUBLIC_URL: base,
      DATA_DIR: dataDir,
      DATABASE_URL: testDatabase?.url,
      REDIS_URL: redisUrl,
      DATA_KEY: Buffer.alloc(32, 12).toString('base64'),
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Kabinet <no-reply@kabinet.test>',
      SMS_GATEWAY_URL: sms.url,
    });
    kabinet = await createKabinet(config);
    await kabinet.ready;
    kabinet.startBackground();
    server = serve({ fetch: kabinet.app.fetch, port, hostname: '127.0.0.1' });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await kabinet?.close();
    await Promise.all([smtp?.close(), sms?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers, activates by the e-mailed link, and changes the temporary password at the first sign-in', async () => {
    let cookie = '';
    let nonce: string | undefined;
    let n = 0;
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(`${base}/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id: `v-${++n}`, body }),
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      expect(response.status).toBe(200);
      const reply = (await response.json()) as { messages: ChatMessage[]; hidden: boolean };
      for (const m of reply.messages) if (m.type === 'choices') nonce = m.nonce;
      return { ...reply, text: reply.messages.map((m) => ('text' in m ? m.text : '')).join('\n') };
    };
    const say = (text: string) => post({ type: 'text', text });
    const tap = (value: string) => post({ type: 'choice', value, nonce });
    const suffix = Date.now().toString(36);
    const email = `v.${suffix}@example.kz`;
    const phone = `+7701${String(Date.now() % 10_000_000).padStart(7, '0')}`;

    await post({ type: 'open' });
    await tap('register');
    await say(email);
    expect((await say(phone)).text).toContain('Нажимая «Зарегистрировать»');
    expect((await tap('register')).text).toContain('SMS');
    await kabinet.settled();
    const code = codeIn(sms.received.find((m) => m.to === phone)?.text ?? '');
    expect((await say(code)).text).toContain('Личный кабинет создан');

    await kabinet.settled();
    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(mail?.subject).toContain('личный кабинет создан');
    const link = /(https?:\/\/\S+\/activate\/[\w-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    const temporary = /Временный пароль: (\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(link.startsWith(`${base}/activate/`)).toBe(true);
    expect(sms.received.some((m) => m.to === phone && m.text.includes('личный кабинет создан'))).toBe(true);

    // Signing in before the link is followed is refused.
    await say('/login');
    await say(email);
    expect((await say(temporary)).text).toContain('ещё не активирован');

    // Opening the link asks (a mail scanner's visit activates nothing); the button activates.
    expect(await (await fetch(link, { headers: { 'accept-language': 'en-US,en;q=0.8' } })).text()).toContain(
      'Activate my personal account',
    );
    const page = await fetch(link, { method: 'POST', headers: { 'accept-language': 'en-US,en;q=0.8' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your personal account is activated');
    expect((await fetch(link, { method: 'POST' })).status).toBe(200); // a second press activates nothing more
    await kabinet.settled();
    const updates = (await (await fetch(`${base}/chat/updates?after=0`, { headers: { cookie } })).json()) as {
      messages: ChatMessage[];
    };
    expect(updates.messages.map((m) => ('text' in m ? m.text : '')).join('\n')).toContain(
      'Ваш личный кабинет активирован',
    );

    await say('/login');
    await say(phone);
    const forced = await say(temporary);
    expect(forced.hidden).toBe(true);
    expect(forced.text).toContain('временным паролем');
    expect((await say('Ag-15!d44')).text).toContain('опубликован в инструкции');
    expect((await say('kestrel2026')).text).toContain('заглавные, и строчные');
    await say('Kestrel_2026x');
    const changed = await say('Kestrel_2026x');
    expect(changed.text).toContain('Пароль успешно изменён');
    expect((await tap('my_account')).text).toContain(email);
  });
});
