import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import { presets } from '../core/presets';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { codeIn } from './support/fake-gateways';
import { type ApiCallRecord, startFakeTelegram, TOKEN, telegramUser } from './support/fake-telegram';
import { createTestDatabase, serviceUrl } from './support/services';

const SECRET = 'hook-secret_42_0123456789abcdef';
const kk = createTranslations()('kk');

/** Victoria over Telegram, to a customer whose Telegram speaks Kazakh: registration to the first sign-in. */
describe('Victoria in Telegram, in Kazakh', () => {
  let fake: Awaited<ReturnType<typeof startFakeTelegram>>;
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-vtg-'));
    const databaseUrl = serviceUrl('DATABASE_URL');
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    kabinet = await createKabinet(
      loadConfig({
        INSURER: 'victoria',
        DATA_DIR: dataDir,
        DATABASE_URL: testDatabase?.url,
        REDIS_URL: serviceUrl('REDIS_URL'),
        DATA_KEY: Buffer.alloc(32, 5).toString('base64'),
        DEV_OUTBOX: '1',
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      }),
    );
    await kabinet.ready;
    kabinet.startBackground();
  });

  afterAll(async () => {
    await kabinet?.close();
    await Promise.all([fake?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers, follows the link, and changes the temporary password, all in Kazakh', async () => {
    const chatId = 8_000_000 + Math.floor(Math.random() * 1_000_000);
    const user = telegramUser(chatId, 'kk');
    let seen = 0;
    const send = async (update: Update) => {
      const response = await kabinet.app.request('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body: JSON.stringify(update),
      });
      expect(response.status).toBe(200);
      await kabinet.settled();
      const all = fake.sent(chatId);
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh.map((p) => p.text as string).join('\n');
    };
    const say = (text: string) => send(user.text(text));
    const tap = (label: string) => {
      const button = fake
        .sent(chatId)
        .flatMap((p: ApiCallRecord['payload']) => (p.reply_markup?.inline_keyboard ?? []).flat())
        .reverse()
        .find((b: { text: string }) => b.text === label) as { callback_data: string } | undefined;
      if (!button) throw new Error(`no button "${label}"`);
      return send(user.tap(button.callback_data));
    };
    const outbox = async () =>
      (
        (await (await kabinet.app.request('/dev/outbox?format=json')).json()) as {
          messages: { to: string; text: string; channel: string }[];
        }
      ).messages;
    const email = `kk.${chatId}@example.kz`;
    const phone = `+7701${String(chatId).slice(-7)}`;

    expect(await say('/start')).toContain(kk('greeting', { insurer: presets.victoria.name.kk }));
    await tap(kk('menu.register'));
    await say(email);
    expect(await send(user.contact(phone.slice(1)))).toContain(kk('vreg.register'));
    await tap(kk('vreg.register'));
    const code = codeIn((await outbox()).find((m) => m.to === phone)?.text ?? '');
    expect(await say(code)).toContain(kk('vreg.created', { email }));

    const mail = (await outbox()).find((m) => m.to === email && m.channel === 'email')?.text ?? '';
    const path = /\/activate\/[\w-]+/.exec(mail)?.[0] ?? '';
    const temporary = /\n[^\n]*: (\S+)\n/.exec(mail.slice(mail.indexOf(path)))?.[1] ?? '';
    expect((await kabinet.app.request(path, { method: 'POST' })).status).toBe(200);
    await kabinet.settled();
    expect(
      fake
        .sent(chatId)
        .map((p) => p.text)
        .join('\n'),
    ).toContain(kk('activation.done_chat'));
    seen = fake.sent(chatId).length;

    await say('/login');
    await say(phone);
    const forced = await say(temporary);
    expect(forced).toContain(kk('signin.temporary'));
    expect(fake.sent(chatId, 'deleteMessage').length).toBeGreaterThanOrEqual(1);
    expect(await say('Ag-15!d44')).toContain(kk('password.error.published'));
    await say('Kestrel_2026x');
    expect(await say('Kestrel_2026x')).toContain(kk('signin.password_changed'));
    // The command menu speaks Kazakh too.
    const menus = fake.calls.filter((c) => c.method === 'setMyCommands').map((c) => c.payload.language_code);
    expect(menus).toContain('kk');
  });
});
