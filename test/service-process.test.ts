import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, failedStart, startService } from './support/service-process';
import { serviceUrl } from './support/services';

/** The service as an operator runs it: `web/node.ts` in its own process, talked to over HTTP. */
describe('the service process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts on embedded defaults (PGlite on disk, in-process state) and greets in the web chat', async () => {
    const service = await startService({ DATA_DIR: dataDir });
    try {
      const page = await fetch(`${service.url}/`);
      expect(await page.text()).toContain('Личный кабинет');
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
