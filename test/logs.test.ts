import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { createPinoLogger, withLogContext } from '../web/pino-logger';
import { TOKEN } from './support/fake-telegram';

const SECRET = 'logs-hook-secret_0123456789abcdef';

/** A logger whose lines land in `lines`, parsed. */
function captured(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createPinoLogger({ level, destination }) };
}

describe('logs', () => {
  it('are JSON lines with level, time and message, and mask personal fields wherever a caller put them', () => {
    const { lines, logger } = captured();
    logger.warn('code not delivered', {
      to: 'email',
      email: 'Anna.Petrova@example.ru',
      phone: '+7 916 123-45-67',
      password: 'Sunflower42',
      account: { email: 'olga@example.kz', code: '123456', id: 'acc-1' },
    });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'warn',
      message: 'code not delivered',
      to: 'email',
      email: 'A***@example.ru',
      phone: '***4567',
      password: '[redacted]',
      account: { email: 'o***@example.kz', code: '[redacted]', id: 'acc-1' },
    });
    expect(typeof line?.time).toBe('string');
    const text = JSON.stringify(lines);
    for (const secret of ['Petrova', '123-45-67', 'Sunflower42', 'olga', '123456'])
      expect(text).not.toContain(secret);
  });

  it('mask addresses and numbers in any string, however deep, and keep a password with an @ whole-redacted', () => {
    const { lines, logger } = captured();
    logger.warn('mail refused', {
      error: 'SMTPError: 550 <anna.petrova@example.ru>: mailbox unavailable (cause: EENVELOPE)',
      job: { data: { contacts: [{ email: 'olga.s@example.kz', phone: '+7 701 234 56 78' }] } },
      password: 'abc@SecretTail123',
      birthDate: '1990-01-15',
      note: 'call 89161234567 back',
      conversationId: 'tg:7012345678',
    });
    expect(lines[0]).toMatchObject({
      error: 'SMTPError: 550 <a***@example.ru>: mailbox unavailable (cause: EENVELOPE)',
      job: { data: { contacts: [{ email: 'o***@example.kz', phone: '***5678' }] } },
      password: '[redacted]',
      birthDate: '[redacted]',
      note: 'call ***4567 back',
      conversationId: 'tg:7012345678', // an id, not a number to call
    });
    const text = JSON.stringify(lines);
    for (const secret of ['petrova', 'olga.s', '234 56', 'SecretTail', '1990', '89161234567'])
      expect(text).not.toContain(secret);
  });

  it('name the work they belong to: every line inside it carries its id, however deep', async () => {
    const { lines, logger } = captured();
    await withLogContext({ requestId: 'req-1' }, async () => {
      logger.info('first');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await withLogContext({ job: 'reply' }, async () => logger.info('second'));
    });
    logger.info('outside');
    expect(lines.map((l) => [l.message, l.requestId, l.job])).toEqual([
      ['first', 'req-1', undefined],
      ['second', 'req-1', 'reply'],
      ['outside', undefined, undefined],
    ]);
  });

  it('stay quiet below their level', () => {
    const { lines, logger } = captured();
    const quiet = createPinoLogger({
      level: 'error',
      destination: new Writable({ write: (_c, _e, d) => d() }),
    });
    quiet.info('not shown');
    logger.info('shown');
    expect(lines.map((l) => l.message)).toEqual(['shown']);
  });
});

describe('request ids', () => {
  let kabinet: Kabinet;
  let dataDir: string;
  const { lines, logger } = captured();
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-logs-'));
    kabinet = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATA_KEY: Buffer.alloc(32, 14).toString('base64'),
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: 'http://127.0.0.1:9', // never called here
      }),
      { logger },
    );
    await kabinet.ready;
  });
  afterAll(async () => {
    await kabinet?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answer every request with its id (the caller’s, when it looks like one), and log its lines under it', async () => {
    const given = await kabinet.app.request('/healthz', { headers: { 'x-request-id': 'lb-7f3a9c21' } });
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a9c21');
    const made = await kabinet.app.request('/healthz', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // An update Telegram sent that is not JSON is dropped with a line: the line names the request.
    const dropped = await kabinet.app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': SECRET, 'x-request-id': 'tg-dropped-1' },
      body: 'not json',
    });
    expect(dropped.status).toBe(200);
    expect(lines.filter((l) => l.requestId === 'tg-dropped-1').map((l) => l.message)).toEqual([
      'telegram update dropped: not JSON',
    ]);
  });
});
