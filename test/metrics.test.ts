import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import type { CaseStatus } from '../core/ports/identity-cases';
import type { ChatMessage } from '../web/chat/inbox';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { createMetrics } from '../web/metrics';
import { outboxOf } from './support/fake-gateways';

const TOKEN = 'metrics-token_0123456789abcdef';

/** GET /metrics: Prometheus text for a scraper with the token, counting what customers did and nothing of theirs. */
describe('metrics', () => {
  let kabinet: Kabinet;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-metrics-'));
    kabinet = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATA_KEY: Buffer.alloc(32, 12).toString('base64'),
        METRICS_TOKEN: TOKEN,
      }),
      { logger: silentLogger },
    );
    await kabinet.ready;
    kabinet.startBackground();
  });
  afterAll(async () => {
    await kabinet?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const scrape = (authorization?: string) =>
    kabinet.app.request('/metrics', { headers: authorization ? { authorization } : {} });
  /** The value of one series in Prometheus's text format, 0 when absent. */
  const sampleOf = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it('refuses a scraper without the token, or with another', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
    ]) {
      const refused = await scrape(authorization);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await refused.text()).not.toContain('kabinet_');
    }
  });

  it('counts a registration: messages by step, a refused answer by its reason, codes sent, step times', async () => {
    let cookie = '';
    let nonce: string | undefined;
    let n = 0;
    const post = async (body: Record<string, unknown>) => {
      const response = await kabinet.app.request('/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id: `m-${++n}`, body }),
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      const reply = (await response.json()) as { messages: ChatMessage[] };
      for (const m of reply.messages) if (m.type === 'choices') nonce = m.nonce;
      return reply.messages.map((m) => ('text' in m ? m.text : '')).join('\n');
    };
    const say = (text: string) => post({ type: 'text', text });
    const tap = (value: string) => post({ type: 'choice', value, nonce });
    const outboxCode = (to: string) => outboxOf(kabinet).code(to);

    const email = `metrics.${Date.now().toString(36)}@example.ru`;
    const phone = `+7916${String(Date.now()).slice(-7)}`;
    await post({ type: 'open' });
    await tap('register');
    expect(await say('not an address')).toContain('адрес');
    await say(email);
    await say(phone);
    await say('Sunflower42');
    await say('Sunflower42');
    await tap('agree');
    await tap('send');
    // Asked again at once: refused (the code has a cooldown), and counted by that reason.
    expect(await tap('resend')).toContain('Новый код можно запросить');
    await say(await outboxCode(email));
    expect(await say(await outboxCode(phone))).toContain('личный кабинет создан');
    // Another browser signs in: a wrong password, then the right one.
    cookie = '';
    await post({ type: 'open' });
    await tap('sign_in');
    await say(email);
    expect(await say('Wrong-password-1')).toContain('Неверный e-mail, телефон или пароль');
    await say('Sunflower42'); // asked for the password again

    const scraped = await scrape(`bearer ${TOKEN}`); // the scheme in any letter case
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    const series = (name: string, labels: Record<string, string>) =>
      sampleOf(
        text,
        `${name}{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`,
      );
    const at = (step: string, outcome: string) =>
      series('kabinet_messages_total', { channel: 'web', flow: 'registration', step, outcome });
    expect(at('email', 'refused')).toBe(1);
    expect(at('email', 'answered')).toBe(1);
    expect(at('phone', 'answered')).toBe(1);
    expect(text).toMatch(/kabinet_refusals_total\{flow="registration",step="email",reason="[\w.]+"\} 1/);
    expect(at('email_code', 'refused')).toBe(1);
    expect(at('email_code', 'answered')).toBe(1);
    expect(
      series('kabinet_refusals_total', { flow: 'registration', step: 'email_code', reason: 'code.cooldown' }),
    ).toBe(1);
    expect(series('kabinet_codes_total', { to: 'email', outcome: 'sent' })).toBe(1);
    expect(series('kabinet_codes_total', { to: 'phone', outcome: 'sent' })).toBe(1);
    expect(series('kabinet_step_duration_seconds_count', { flow: 'registration', step: 'email' })).toBe(2);
    expect(series('kabinet_sign_ins_total', { outcome: 'wrong' })).toBe(1);
    expect(series('kabinet_sign_ins_total', { outcome: 'ok' })).toBe(1);
    expect(text).toMatch(/^kabinet_jobs_waiting \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    // Nothing a customer typed: positions, reasons and outcomes only.
    for (const typed of [
      email,
      email.split('@')[0] ?? '',
      phone,
      phone.slice(1),
      'Sunflower42',
      'not an address',
    ])
      expect(text).not.toContain(typed);
  });
});

describe('metrics read at a scrape', () => {
  it('describe one moment: the case gauges share one read, ages only for open statuses', async () => {
    let reads = 0;
    let census: { status: CaseStatus; count: number; oldestSince: Date }[] = [
      { status: 'submitted', count: 1, oldestSince: new Date(1_000_000) },
      { status: 'approved', count: 9, oldestSince: new Date(0) },
    ];
    const { registry } = createMetrics(
      {
        jobsWaiting: async () => 3,
        identityCases: async () => {
          reads++;
          return census;
        },
      },
      () => 1_060_000,
    );
    const first = await registry.metrics();
    expect(first).toContain('kabinet_identity_cases{status="submitted"} 1');
    expect(first).toContain('kabinet_identity_case_oldest_seconds{status="submitted"} 60');
    expect(first).not.toContain('kabinet_identity_case_oldest_seconds{status="approved"}');
    expect(reads).toBe(1);
    census = [{ status: 'in_review', count: 2, oldestSince: new Date(1_030_000) }];
    const second = await registry.metrics();
    expect(second).toContain('kabinet_identity_cases{status="in_review"} 2');
    expect(second).toContain('kabinet_identity_case_oldest_seconds{status="in_review"} 30');
    expect(second).not.toContain('status="submitted"');
    expect(reads).toBe(2);
  });

  it('leave out a source that does not answer within 2 s, and still give the rest', async () => {
    const { registry } = createMetrics({
      jobsWaiting: () => new Promise(() => {}), // Postgres not answering
      identityCases: async () => [],
    });
    const started = Date.now();
    const text = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(text).toContain('kabinet_metrics_source_up{source="queue"} 0');
    expect(text).toContain('kabinet_metrics_source_up{source="identity_cases"} 1');
    expect(text).toMatch(/^kabinet_jobs_waiting Nan$/m); // prom-client's spelling of NaN
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe('metrics without METRICS_TOKEN', () => {
  it('is off: /metrics does not exist', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kabinet-metrics-off-'));
    const kabinet = await createKabinet(
      loadConfig({ DATA_DIR: dataDir, DATA_KEY: Buffer.alloc(32, 13).toString('base64') }),
      { logger: silentLogger },
    );
    try {
      expect((await kabinet.app.request('/metrics')).status).toBe(404);
    } finally {
      await kabinet.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
