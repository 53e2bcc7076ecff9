import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { startFakeTelegram, TOKEN } from '../test/support/fake-telegram';
import { freePort } from '../test/support/service-process';
import { fmt, type Section, sleep, verdict } from './support';

const SECRET = 'bench-secret-0123456789abcdef';
const SECONDS = 10;
const CONNECTIONS = 32;
const CHATS = 2000;

/**
 * Real-shaped updates for many chats: each chat opens with /start, then asks for /help (a read and a
 * compare-and-set of its conversation in Redis, two replies to the fake Bot API), round-robin over CHATS chats.
 */
function updates() {
  let updateId = 1;
  let n = 0;
  return () => {
    const chat = 10_000_000 + (n % CHATS);
    const text = n < CHATS ? '/start' : '/help';
    n++;
    return JSON.stringify({
      update_id: updateId++,
      message: {
        message_id: n,
        date: 1_790_000_000,
        chat: { id: chat, type: 'private', first_name: 'A' },
        from: { id: chat, is_bot: false, first_name: 'A', language_code: 'ru' },
        text,
        entities: [{ type: 'bot_command', offset: 0, length: text.length }],
      },
    });
  };
}

async function serve(entry: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) break;
    await sleep(50);
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 8000).unref();
      }),
  };
}

async function load(url: string, overallRate?: number) {
  const next = updates();
  const result = await autocannon({
    url: `${url}/telegram/webhook`,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        setupRequest: (request) => ({ ...request, body: next() }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

/** The service as production runs it (Postgres, Redis, webhook), and a bare Hono app, under the same load. */
export async function webhookThroughput(): Promise<Section> {
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  const database = `kabinet_bench_${Date.now().toString(36)}`;
  await admin.unsafe(`create database ${database}`);
  const databaseUrl = Object.assign(new URL(baseUrl), { pathname: `/${database}` }).toString();
  const work = await mkdtemp(join(tmpdir(), 'kabinet-bench-hook-'));
  const bare = join(work, 'bare.ts');
  await writeFile(
    bare,
    `import { serve } from '@hono/node-server';\nimport { Hono } from 'hono';\nconst app = new Hono();\napp.get('/readyz', (c) => c.text('ok'));\napp.post('/telegram/webhook', async (c) => { await c.req.json(); return c.body(''); });\nserve({ fetch: app.fetch, port: Number(process.env.PORT) });\n`,
  );
  const fake = await startFakeTelegram();
  try {
    const bareServer = await serve(bare, { NODE_PATH: join(process.cwd(), 'node_modules') });
    const bareRun = await load(bareServer.url);
    await bareServer.stop();

    // A fresh service for each run: replies queued behind Telegram's rate limit in one run must not eat the next's CPU.
    const kabinet = () =>
      serve('web/node.ts', {
        DATA_DIR: join(work, 'data'),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        DATA_KEY: Buffer.alloc(32, 8).toString('base64'),
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        DEV_OUTBOX: '1',
      });
    let service = await kabinet();
    const peak = await load(service.url);
    await service.stop();
    service = await kabinet();
    const half = await load(service.url, Math.max(1, Math.round(peak.rps / 2)));
    await service.stop();

    const share = peak.rps / bareRun.rps;
    return {
      title: 'Telegram webhook throughput end to end',
      body: `autocannon, ${CONNECTIONS} connections, ${SECONDS} s a run, on loopback: real-shaped updates for ${CHATS} chats
(/start, then /help round-robin) posted to \`/telegram/webhook\` of the service started as in production
(Node, Postgres, Redis, webhook secret, LOG_LEVEL=warn), each answered with two messages to a fake Bot API on
loopback; against a bare Hono app that parses the body and answers 200, run the same way. The service
acknowledges an update once its conversation is saved in Redis; replies leave through grammY's throttler
(Telegram's 30 messages/s) after that, so the fake Bot API sees them later.

| target | load | requests/s | p50 ms | p99 ms | errors / non-2xx |
|---|---|---:|---:|---:|---:|
| bare Hono | as fast as possible | ${fmt(bareRun.rps)} | ${fmt(bareRun.p50)} | ${fmt(bareRun.p99)} | ${bareRun.non2xx} |
| Kabinet | as fast as possible | ${fmt(peak.rps)} | ${fmt(peak.p50)} | ${fmt(peak.p99)} | ${peak.non2xx} |
| Kabinet | half of its peak (${fmt(peak.rps / 2)}/s) | ${fmt(half.rps)} | ${fmt(half.p50)} | ${fmt(half.p99)} | ${half.non2xx} |

- ${verdict(share >= 0.25, `Kabinet ÷ bare Hono = ${fmt(share * 100)} % of requests/s, goal ≥ 25 %`)}
- ${verdict(half.p99 < 30, `p99 at half the peak = ${fmt(half.p99)} ms, goal < 30 ms`)}`,
    };
  } finally {
    await fake.close();
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
    await rm(work, { recursive: true, force: true });
  }
}
