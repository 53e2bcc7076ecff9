import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, TOKEN, telegramUser } from './support/fake-telegram';
import { chatClient, failedStart, runScript, startService } from './support/service-process';
import { serviceUrl } from './support/services';

/** The service as an operator runs it: `web/node.ts` in its own process, talked to over HTTP. */
// Each test starts the service (PGlite on disk opens in ~7 s alone): a loaded run (fuzzing beside it) needs longer.
describe('the service process', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts on embedded defaults (PGlite on disk, in-process state) and greets in the web chat', async () => {
    const service = await startService({ DATA_DIR: dataDir });
    try {
      const page = await fetch(`${service.url}/`);
      expect(await page.text()).toContain('СК «Согласие»: личный кабинет');
      const reply = await chatClient(service.url).post({ type: 'open' });
      expect(reply.messages[0]?.text).toContain('СК «Согласие»');
      expect(reply.messages[1]).toMatchObject({ type: 'choices', text: 'Что вы хотите сделать?' });
      expect(await service.recordsOpen()).toBe(true);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      expect(service.output()).toContain(
        '"records":"pglite","state":"memory","mail":"outbox","sms":"outbox"',
      );
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });

  it('refuses to start on a bad variable, naming it', async () => {
    const { code, output } = await failedStart({ DATA_DIR: dataDir, PORT: 'eighty', INSURER: 'acme' });
    expect(code).toBe(1);
    expect(output).toContain('PORT: expected a port number');
    expect(output).toContain('INSURER: expected one of: soglasie, victoria');
  });

  it('says plainly that its port is taken, without a stack trace', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const { code, output } = await failedStart({ DATA_DIR: dataDir, PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} on 127.0.0.1 is in use by another program: stop it or set PORT`);
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('refuses the development outbox beside a server database unless allowed', async () => {
    const { code, output } = await failedStart({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://127.0.0.1:1/x',
      DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
      SMTP_URL: 'smtp://127.0.0.1:1',
    });
    expect(code).toBe(1);
    expect(output).toContain('SMS_GATEWAY_URL: required when DATABASE_URL is set');
    expect(output).not.toContain('SMTP_URL: required');
  });

  it('refuses a server database without DATA_KEY', async () => {
    const { code, output } = await failedStart({ DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(code).toBe(1);
    expect(output).toContain('DATA_KEY: required when DATABASE_URL is set');
  });

  const redisUrl = serviceUrl('REDIS_URL');
  it.skipIf(!redisUrl)('resumes a conversation after a restart (Redis state, PGlite on disk)', async () => {
    const env = { DATA_DIR: dataDir, REDIS_URL: redisUrl ?? '' };
    const first = await startService(env);
    const chat = chatClient(first.url);
    const opened = await chat.post({ type: 'open' });
    const picker = await chat.post({ type: 'choice', value: 'language', nonce: opened.messages[1]?.nonce });
    await chat.post({ type: 'choice', value: 'lang:en', nonce: picker.messages[0]?.nonce });
    expect(await first.stop()).toBe(0);

    const second = await startService(env);
    try {
      const again = chatClient(second.url, chat.cookie());
      const resumed = await again.post({ type: 'open' });
      // No greeting: the same conversation, in the language chosen before the restart.
      expect(resumed.messages.map((m) => m.text)).toEqual(['What would you like to do?']);
      const history = (await (await again.request('/chat/updates?after=0')).json()) as {
        messages: unknown[];
      };
      expect(history.messages.length).toBeGreaterThanOrEqual(5);
    } finally {
      await second.stop();
    }
  });
});

describe('the service process with Telegram', { timeout: 60_000 }, () => {
  let fake: Awaited<ReturnType<typeof startFakeTelegram>>;
  let dataDir: string;
  beforeAll(async () => {
    fake = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-tg-process-'));
  });
  afterAll(async () => {
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says Telegram is off when no token is set', async () => {
    const service = await startService({ DATA_DIR: dataDir });
    try {
      expect(service.output()).toContain('"telegram":"off"');
    } finally {
      await service.stop();
    }
  });

  it('answers /start posted to the webhook, talking to the Bot API at TELEGRAM_API_ROOT', async () => {
    const service = await startService({
      DATA_DIR: dataDir,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: 'process-secret-0123456789abcdef',
    });
    try {
      expect(service.output()).toContain('"telegram":"webhook"');
      const user = telegramUser(81_000_001);
      const response = await fetch(`${service.url}/telegram/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-telegram-bot-api-secret-token': 'process-secret-0123456789abcdef',
        },
        body: JSON.stringify(user.text('/start')),
      });
      expect(response.status).toBe(200);
      await expect.poll(() => fake.sent(81_000_001)[0]?.text).toContain('Здравствуйте');
    } finally {
      await service.stop();
    }
  });

  it('points Telegram at the deployment with npm run telegram:set-webhook', async () => {
    const env = {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: 'process-secret-0123456789abcdef',
      PUBLIC_URL: 'https://kabinet.example.ru',
    };
    const { code, output } = await runScript('web/telegram-set-webhook.ts', env);
    expect(output).toContain('Telegram webhook set: https://kabinet.example.ru/telegram/webhook');
    expect(code).toBe(0);
    expect(fake.calls.find((c) => c.method === 'setWebhook')?.payload).toMatchObject({
      url: 'https://kabinet.example.ru/telegram/webhook',
      secret_token: 'process-secret-0123456789abcdef',
      allowed_updates: ['message', 'callback_query'],
    });
    const refused = await runScript('web/telegram-set-webhook.ts', {
      ...env,
      PUBLIC_URL: 'http://localhost:3000',
    });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('PUBLIC_URL: Telegram delivers only to https');
  });

  it('pulls updates by long polling when no webhook secret is set', async () => {
    const user = telegramUser(81_000_002);
    fake.queueForPolling(user.text('/start'));
    const service = await startService({
      DATA_DIR: dataDir,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
    });
    try {
      expect(service.output()).toContain('"telegram":"polling"');
      await expect.poll(() => fake.sent(81_000_002)[0]?.text, { timeout: 10_000 }).toContain('Здравствуйте');
      expect((await fetch(`${service.url}/telegram/webhook`, { method: 'POST' })).status).toBe(404);
    } finally {
      await service.stop();
    }
  });

  it('stops promptly and cleanly on SIGTERM while the Bot API does not answer', async () => {
    // A Bot API that takes connections and never answers: the worst an outage looks like from here.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const service = await startService({
      DATA_DIR: dataDir,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    });
    try {
      // Records open (PGlite's start keeps the event loop busy), long polling under way and hanging.
      await expect.poll(() => service.output(), { timeout: 30_000 }).toContain('records are open');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      expect(await service.stop()).toBe(0);
      expect(Date.now() - started).toBeLessThan(7000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 60_000);
});
