import type { Inbound, InboundBody } from '../core/messages';
import { presets } from '../core/presets';
import { createAccountRepository } from '../db/account-repository';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createMemoryFileStore } from '../db/files/memory-file-store';
import { createIdentityCaseRepository } from '../db/identity-case-repository';
import { afterCommitJobWriter } from '../db/jobs/job-writer';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { createRateLimiter } from '../db/state/rate-limiter';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createRedisTicketStore } from '../db/state/redis-ticket-store';
import { createTicketLock } from '../db/state/ticket-lock';
import { createTestDatabase } from '../test/support/services';
import { createSharpPreparer } from '../web/images/sharp-preparer';
import { createWorkerPasswordHasher } from '../web/password-hasher';
import { createRuntime } from '../web/runtime';
import { fmt, median, now, type Section, verdict } from './support';

const TRIES = 200;
const PASSWORD = 'Sunflower42';

/**
 * Does the reply time say whether an account exists? For sign-in (the password turn) and for reset (the contact
 * turn), the median reply time after a known contact, after an unknown one, and after a second series of known
 * ones: the known-vs-known gap is the run's own noise, against which the known-vs-unknown gap is judged. The
 * three series are interleaved try by try, so drift hits them alike. Real Postgres and Redis, bcrypt at the
 * service's cost in worker threads, as in production.
 */
export async function enumeration(): Promise<Section> {
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const testDatabase = await createTestDatabase(baseUrl);
  const database = await openDatabase({ url: testDatabase.url });
  const redis = createRedisClient(redisUrl, `kabinet-bench:${Date.now().toString(36)}:`);
  const passwords = createWorkerPasswordHasher();
  try {
    const accounts = createAccountRepository(database, createFieldCipher(new Uint8Array(32).fill(1)));
    const store = createRedisStateStore(redis);
    const queue = createMemoryJobQueue();
    const runtime = createRuntime({
      preset: presets.soglasie,
      store,
      lock: createTicketLock(createRedisTicketStore(redis)),
      deliveryLock: createTicketLock(createRedisTicketStore(redis)),
      // Deliveries are not run: only what the turn itself does is timed.
      queue,
      outlets: {
        web: { inline: true, deliver: async () => 'delivered' },
        tg: { inline: true, deliver: async () => 'delivered' },
      },
      accounts,
      identity: {
        cases: createIdentityCaseRepository(database.db, afterCommitJobWriter(queue)),
        files: createMemoryFileStore(),
        images: createSharpPreparer(),
      },
      mailer: { send: async () => ({ ok: true, value: undefined }) },
      sms: { send: async () => ({ ok: true, value: undefined }) },
      passwords,
      sealer: createFieldCipher(new Uint8Array(32).fill(2)),
      limiter: (name, points, durationSeconds) => createRateLimiter({ name, points, durationSeconds, redis }),
      codeSecret: new Uint8Array(32).fill(3),
      activationSecret: new Uint8Array(32).fill(11),
      publicUrl: 'http://localhost:3000',
      logger: { info() {}, warn() {}, error() {} },
    });
    const { engine } = runtime;
    const hash = await passwords.hash(PASSWORD);
    // Every try its own contact, so no lockout or hourly cap is reached and each is a first try.
    const known = async (series: string, i: number) => {
      const email = `known.${series}.${i}@example.ru`;
      const created = await accounts.createAccount({
        email,
        phone: `+7916${String(1_000_000 + i + (series === 'a' ? 0 : 500)).slice(-7)}`,
        passwordHash: hash,
        consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
        contactsVerifiedAt: new Date(),
        actor: 'bench',
      });
      if (!created.ok) throw new Error(`bench setup: ${created.error}`);
      return email;
    };
    const contacts = { a: [] as string[], b: [] as string[], unknown: [] as string[] };
    for (let i = 0; i < TRIES; i++) {
      contacts.a.push(await known('a', i));
      contacts.b.push(await known('b', i));
      contacts.unknown.push(`unknown.${i}@example.ru`);
    }

    let n = 0;
    /** A new conversation walked through `before`, then the timed message. Milliseconds. */
    async function timed(before: InboundBody[], measured: InboundBody): Promise<number> {
      const conversationId = `web:bench-${++n}`;
      const send = (body: InboundBody, nonce?: string) =>
        engine.handle({
          conversationId,
          channel: 'web',
          eventId: `e${Math.random()}`,
          ...body,
          ...(nonce ? { nonce } : {}),
        } as Inbound);
      for (const body of before) await send(body);
      const start = now();
      await send(measured);
      return now() - start;
    }
    const choice = (value: string): InboundBody => ({ type: 'choice', value });
    const text = (value: string): InboundBody => ({ type: 'text', text: value });

    const signIn = (contact: string) =>
      timed([{ type: 'open' }, choice('sign_in'), text(contact)], text('Wrong1pass'));
    const reset = (contact: string) =>
      timed([{ type: 'open' }, choice('forgot_password'), choice('email')], text(contact));

    const rows: string[] = [];
    const verdicts: string[] = [];
    for (const [name, run] of [
      ['sign-in: the password turn (wrong password)', signIn],
      ['reset: the contact turn', reset],
    ] as const) {
      const times = { a: [] as number[], unknown: [] as number[], b: [] as number[] };
      for (let i = 0; i < TRIES; i++) {
        times.a.push(await run(contacts.a[i] ?? ''));
        times.unknown.push(await run(contacts.unknown[i] ?? ''));
        times.b.push(await run(contacts.b[i] ?? ''));
      }
      const [a, u, b] = [median(times.a), median(times.unknown), median(times.b)];
      const noise = Math.abs(a - b);
      const gap = Math.abs((a + b) / 2 - u);
      rows.push(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${fmt(u)} | ${fmt(noise)} | ${fmt(gap)} |`);
      // Within noise: no further from the known medians than they are from each other, give or take 2 % or 0.05 ms.
      const allowed = Math.max(2 * noise, 0.02 * a, 0.05);
      verdicts.push(verdict(gap <= allowed, `${name}: gap ${fmt(gap)} ms, allowed ${fmt(allowed)} ms`));
    }
    return {
      title: 'Known vs unknown contact: reply time',
      body: `${TRIES} tries per series, interleaved (known A, unknown, known B); each try a new conversation and a new contact, so
no lockout or cap is reached. Real Postgres and Redis; bcrypt cost 10 in worker threads; deliveries not run (the code
job is queued for both alike and only the job, after the turn, drops an unknown contact's).

| turn | known A median, ms | known B median, ms | unknown median, ms | noise: A vs B, ms | gap: known vs unknown, ms |
|---|---|---|---|---|---|
${rows.join('\n')}

${verdicts.map((v) => `- ${v}`).join('\n')}`,
    };
  } finally {
    await passwords.close();
    await closeRedis(redis);
    await database.close();
    await testDatabase.drop();
  }
}
