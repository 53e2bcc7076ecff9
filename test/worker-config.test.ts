import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOKEN } from './support/fake-telegram';

/** The Worker reads its settings once per isolate: each case imports a fresh module (a fresh isolate). */
async function freshWorker() {
  vi.resetModules();
  return (await import('../web/worker')).default;
}

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379/7',
  DATA_KEY: Buffer.alloc(32, 9).toString('base64'),
  PUBLIC_URL: 'https://chat.insurer.example',
};
const telegram = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: 'hook-secret_42_0123456789abcdef' };
const ctx = { waitUntil: () => {} };

describe('the Worker’s configuration', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses to take Telegram’s webhook without a Node side to send the replies and take files', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const worker = await freshWorker();
    const answer = await worker.fetch(
      new Request('https://chat.insurer.example/chat/app.js'),
      { ...base, ...telegram },
      ctx,
    );
    expect(answer.status).toBe(503);
    expect(printed.mock.calls.join('\n')).toContain('KABINET_NODE_URL: required with Telegram');
  });

  it('needs the records, the state, the key and the public address; says which are missing', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const worker = await freshWorker();
    const answer = await worker.fetch(
      new Request('https://chat.insurer.example/'),
      { PUBLIC_URL: base.PUBLIC_URL },
      ctx,
    );
    expect(answer.status).toBe(503);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'DATA_KEY'])
      expect(printed.mock.calls.join('\n')).toContain(`${name}: required on Workers`);
  });

  it('serves its own files with Telegram and the Node side configured', async () => {
    const worker = await freshWorker();
    const answer = await worker.fetch(
      new Request('https://chat.insurer.example/chat/app.js'),
      { ...base, ...telegram, KABINET_NODE_URL: 'https://node.insurer.example' },
      ctx,
    );
    expect([answer.status, answer.headers.get('x-kabinet-runtime')]).toEqual([200, 'worker']);
    // Metrics are each Node instance's, scraped directly: never forwarded from the internet to one of them.
    const metrics = await worker.fetch(
      new Request('https://chat.insurer.example/metrics', { headers: { authorization: 'Bearer x' } }),
      { ...base, ...telegram, KABINET_NODE_URL: 'https://node.insurer.example' },
      ctx,
    );
    expect(metrics.status).toBe(404);
  });
});
