import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger';
import { IMAGE_LIMITS } from '../core/ports/images';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { startFakeTelegram, TOKEN } from './support/fake-telegram';
import {
  customerAccount as accountWithProfile,
  decideOnReviewPage as decideOnReviewPageOf,
  telegramCustomer,
  webCustomer,
} from './support/identity-customers';
import { documentPhoto } from './support/images';
import { createTestDatabase, serviceUrl } from './support/services';

const SECRET = 'hook-secret_42_0123456789abcdef';

/**
 * Identity confirmation as the service is composed for production: photos from Telegram downloaded through
 * getFile from a fake Bot API, pictures from the web chat posted as multipart, cases decided on the local review
 * page over HTTP, decisions told in each channel through the notice queue. Real Postgres and Redis in CI.
 */
describe('identity confirmation end to end', () => {
  let fake: Awaited<ReturnType<typeof startFakeTelegram>>;
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let n = 0;
  const logs: string[] = [];
  const record = (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = { info: record, warn: record, error: record };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-identity-'));
    const databaseUrl = serviceUrl('DATABASE_URL');
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    kabinet = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: testDatabase?.url,
        REDIS_URL: serviceUrl('REDIS_URL'),
        DATA_KEY: Buffer.alloc(32, 8).toString('base64'),
        DEV_OUTBOX: '1',
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      }),
      // Budgets (per client, and every in-process request is the same client) of this file's own.
      { logger, redisKeyPrefix: `kabinet-test:identity-e2e:${Date.now().toString(36)}:` },
    );
    await kabinet.ready;
    kabinet.startBackground();
  });

  afterAll(async () => {
    await kabinet?.close();
    await Promise.all([fake?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const decideOnReviewPage = (fields: Record<string, string>) => decideOnReviewPageOf(kabinet, fields);

  const telegramChat = () => telegramCustomer(kabinet, fake, SECRET);
  const customerAccount = () => accountWithProfile(kabinet);

  it('takes three Telegram photos through getFile, sends the case, and tells the chat the approval', async () => {
    const { chatId, sent, tap, atFirstPicture, sendPhotos } = telegramChat();
    await atFirstPicture();
    await sendPhotos([101, 102, 103]);
    const downloads = fake.calls.filter(
      (c) => c.method === 'getFile' && String(c.payload.file_id).startsWith(`kyc-${chatId}`),
    );
    expect(downloads).toHaveLength(3);
    expect(sent().at(-1)).toContain('Проверьте фотографии перед отправкой');
    expect(sent().at(-1)).toContain('✓ Селфи с паспортом');

    await tap('Отправить');
    expect(sent().join('\n')).toContain('Ваша заявка рассматривается, ответ будет дан в течение суток.');

    const { said, images } = await decideOnReviewPage({ action: 'approve' });
    expect(said).toContain('Решение принято');
    expect(images).toHaveLength(3);
    expect(sent().join('\n')).toContain('Ваша личность подтверждена');
    // A second click on the stale page finds the case decided.
    const again = await kabinet.app.request(kabinet.reviewPath ?? '');
    expect(await again.text()).toContain('Нет заявок, ожидающих решения');
  });

  it('tells a Telegram customer a file is too large, without downloading it', async () => {
    const { chatId, user, post, sent, atFirstPicture } = telegramChat();
    await atFirstPicture();
    await post(user.document(`huge-${chatId}`, 25 * 1024 * 1024, 'scan.tiff', 'image/tiff'));
    expect(sent().join('\n')).toContain('Файл больше 20 МБ');
    const big = new Uint8Array(21 * 1024 * 1024);
    fake.serveFile(`big-${chatId}`, big);
    await post(user.photo(`big-${chatId}`, 0)); // a size Telegram did not say: getFile tells, then the download
    expect(sent().at(-2)).toContain('Файл больше 20 МБ');
    expect(sent().at(-1)).toContain('Главная страница паспорта');
    const fetched = fake.calls.filter(
      (c) => c.method === 'getFile' && String(c.payload.file_id).includes(`${chatId}`),
    );
    expect(fetched.map((c) => c.payload.file_id)).toEqual([`big-${chatId}`]);
  });

  describe('over the web chat', () => {
    const page = () => webCustomer(kabinet);

    it('takes three pictures as multipart uploads with previews, asks again for one, and tells the page', async () => {
      const p = page();
      const { email } = await customerAccount();
      await p.open();
      await p.say('/login');
      await p.say(email);
      await p.say('Sunflower42');
      await p.tap('confirm_identity');
      expect(await p.tap('begin')).toContain('Главная страница паспорта');
      expect(await p.uploadText(new TextEncoder().encode('not a picture at all'), 'scan.jpg')).toContain(
        'Это не изображение',
      );
      await p.uploadText(await documentPhoto(201));
      await p.uploadText(await documentPhoto(202));
      const summary = await p.upload(await documentPhoto(203));
      const previews = summary.find((m) => m.type === 'previews');
      if (previews?.type !== 'previews') throw new Error('no previews');
      expect(previews.images.map((i) => i.caption)).toEqual([
        'Главная страница паспорта',
        'Селфи с паспортом',
        'Последняя страница паспорта',
      ]);
      // The previews are served to this chat, and to no other.
      const preview = await p.get(`/chat/files/${previews.images[0]?.id}`);
      expect(preview.status).toBe(200);
      expect(preview.headers.get('content-type')).toBe('image/jpeg');
      expect(preview.headers.get('cache-control')).toContain('no-store');
      const stranger = page();
      await stranger.open();
      expect((await stranger.get(`/chat/files/${previews.images[0]?.id}`)).status).toBe(404);

      expect(await p.tap('send')).toContain('Ваша заявка рассматривается');
      const asked = await decideOnReviewPage({
        action: 'ask_again',
        image: 'last_page',
        reason: 'unreadable',
      });
      const told = await p.updates();
      expect(told).toContain(
        'Проверяющий просит прислать заново: Последняя страница паспорта. Причина: данные на снимке не читаются.',
      );
      expect(await p.tap('begin')).toContain('Последняя страница паспорта');
      expect(await p.uploadText(await documentPhoto(204))).toContain('Проверьте фотографии');
      expect(await p.tap('send')).toContain('Ваша заявка рассматривается');
      // The page as it was before the new picture came approves nothing: it never showed that picture.
      expect(await asked.repost({ action: 'approve' })).toContain('Заявку уже изменили');
      await decideOnReviewPage({ action: 'reject', reason: 'not_matching_profile' });
      expect(await p.updates()).toContain('Причина: данные паспорта не совпадают с профилем');
    });

    /** A page signed in to a new account with a complete profile. */
    async function signedInPage() {
      const p = page();
      await p.signIn();
      return p;
    }

    it('refuses an oversized upload while it streams, before reading it whole', async () => {
      const p = await signedInPage();
      const boundary = 'kabinet-test-boundary';
      const head = new TextEncoder().encode(
        `--${boundary}\r\ncontent-disposition: form-data; name="id"\r\n\r\nbig-1\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
      );
      const chunk = new Uint8Array(1024 * 1024).fill(0xab);
      const total = 60; // MB offered; the limit is 20
      let produced = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (produced === 0) controller.enqueue(head);
          if (produced >= total) return controller.close();
          produced++;
          controller.enqueue(chunk);
        },
      });
      const response = await kabinet.app.request('/chat/upload', {
        method: 'POST',
        headers: {
          cookie: p.cookie(),
          'x-kabinet-upload': '1',
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { message: string }).message).toContain('20 МБ');
      const limitMb = IMAGE_LIMITS.maxBytes / 1024 / 1024;
      expect(produced).toBeGreaterThan(limitMb - 1);
      expect(produced).toBeLessThan(limitMb + 4); // a few chunks read ahead at most, never the whole 60
    });

    it('answers a cut-off or malformed multipart body with 400 and keeps serving', async () => {
      const p = await signedInPage();
      const upload = (contentType: string, body: string) =>
        kabinet.app.request('/chat/upload', {
          method: 'POST',
          headers: { cookie: p.cookie(), 'x-kabinet-upload': '1', 'content-type': contentType },
          body,
        });
      const cut =
        '--b\r\ncontent-disposition: form-data; name="id"\r\n\r\nx-1\r\n--b\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\nÿØÿ';
      expect((await upload('multipart/form-data; boundary=b', cut)).status).toBe(400);
      expect((await upload('multipart/form-data', 'no boundary at all')).status).toBe(400);
      expect((await upload('multipart/form-data; boundary=b', '--b--\r\n')).status).toBe(400);
      expect((await upload('text/plain', 'hello')).status).toBe(415);
      expect((await kabinet.app.request('/healthz')).status).toBe(200);
    });

    /** A picture posted to the upload endpoint with the given headers beside the cookie. */
    async function postPicture(cookie: string, headers: Record<string, string>) {
      const form = new FormData();
      form.append('id', `x-${++n}`);
      form.append('file', new Blob([await documentPhoto(301)], { type: 'image/jpeg' }), 'a.jpg');
      return kabinet.app.request('/chat/upload', {
        method: 'POST',
        headers: { cookie, ...headers },
        body: form,
      });
    }

    it('refuses uploads from a chat that is not signed in, before reading them', async () => {
      const p = page();
      await p.open();
      expect((await postPicture(p.cookie(), { 'x-kabinet-upload': '1' })).status).toBe(403);
    });

    it('refuses an upload not sent by the page (no custom header: a cross-site form)', async () => {
      const p = await signedInPage();
      expect((await postPicture(p.cookie(), {})).status).toBe(403);
    });
  });
});
