import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import type { Logger } from '../core/logger';
import type { Outbound } from '../core/messages';
import { checkPassword } from '../core/password-policy';
import { type InsurerPreset, presets } from '../core/presets';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { newAccount } from './contracts/account-repository.contract';
import { codeIn } from './support/fake-gateways';
import { createFlowHarness, openTestRecords, question, said } from './support/flow-harness';
import { serviceUrl, uniquePrefix } from './support/services';

/** Records on the real Postgres and state on the real Redis when CI provides them. */
let records: Awaited<ReturnType<typeof openTestRecords>>;
beforeAll(async () => {
  records = await openTestRecords({ postgres: true });
});
afterAll(async () => records?.close());
const redisUrl = serviceUrl('REDIS_URL');
const prefix = uniquePrefix('reset');
const redis = redisUrl ? createRedisClient(redisUrl, prefix) : undefined;
afterAll(async () => {
  if (redis) await closeRedis(redis);
});

const t = createTranslations()('ru');
const OLD_PASSWORD = 'Sunflower42';
const sent = { ...presets.soglasie, resetMode: 'sent' } satisfies InsurerPreset;
const chosen = { ...presets.soglasie, resetMode: 'chosen' } satisfies InsurerPreset;

/** Everything logged, to look for secrets in. */
const logs: string[] = [];
const logger: Logger = {
  info: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
  warn: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
  error: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
};
/** Codes and passwords seen in clear in this file's messages: none may be stored or logged anywhere. */
const secrets = new Set<string>([OLD_PASSWORD]);

const harness = (preset: InsurerPreset) => createFlowHarness(records.accounts, preset, { redis, logger });
type Harness = ReturnType<typeof harness>;
type Customer = ReturnType<Harness['customer']>;

async function registered(h: Harness) {
  const input = newAccount({ passwordHash: await h.services.passwords.hash(OLD_PASSWORD) });
  const created = await records.accounts.createAccount(input);
  if (!created.ok) throw new Error('setup failed');
  return { ...input, id: created.value.id };
}

async function signIn(c: Customer, contact: string, password: string) {
  await c.open();
  await c.text('/login');
  await c.text(contact);
  return c.text(password);
}

/** Starts a reset from the menu and types the contact; the code question is next. */
async function resetVia(c: Customer, via: 'email' | 'phone', contact: string) {
  await c.open();
  await c.choose('forgot_password');
  await c.choose(via);
  return c.text(contact);
}

/** The newest message to `to`, and the code and new password in it. */
function received(h: Harness, to: string) {
  const message = h.outbox.list().find((m) => m.to === to);
  if (!message) throw new Error(`nothing sent to ${to}`);
  const code = codeIn(message.text);
  const password = /(?:Новый пароль:|новый пароль) (\S+)/.exec(message.text)?.[1] ?? null;
  secrets.add(code);
  if (password) secrets.add(password);
  return { ...message, code, password };
}

const menuValues = (out: Outbound[]) => {
  const last = out.at(-1);
  return last?.type === 'choices' ? last.rows.flat().map((o) => o.value) : [];
};

describe('password reset, mode "sent" (Soglasie)', () => {
  it('sends the code with a new password by e-mail; the code sets it, signs in, and tells the phone', async () => {
    const h = harness(sent);
    const account = await registered(h);
    const c = h.customer();
    expect(question(await resetVia(c, 'email', account.email))).toContain(
      t('reset.code.email.ask', { email: account.email }).slice(0, 20),
    );
    const mail = received(h, account.email);
    expect(mail.password).not.toBeNull();
    expect(checkPassword(mail.password ?? '', sent.password, [account.email]).ok).toBe(true);
    // Until the code comes back, the old password still works: a reset someone else starts changes nothing.
    const elsewhere = h.customer();
    expect(said(await signIn(elsewhere, account.email, OLD_PASSWORD))).toContain(t('signin.done'));

    const done = await c.text(mail.code);
    expect(said(done)).toContain(t('reset.done_sent'));
    expect(menuValues(done)).toContain('my_account');
    expect(h.outbox.list()[0]).toMatchObject({ channel: 'sms', to: account.phone });
    expect(h.outbox.list()[0]?.text).toContain(presets.soglasie.support);

    // The conversation signed in before the reset is signed out at its next message, and told why.
    const told = await elsewhere.text('/help');
    expect(said(told)).toContain(t('session.ended.password_changed', { support: presets.soglasie.support }));
    const fresh = h.customer();
    await fresh.open();
    expect(said(await signIn(fresh, account.email, OLD_PASSWORD))).toContain(t('signin.wrong'));
    expect(said(await fresh.text(mail.password ?? ''))).toContain(t('signin.done'));
    const actions = (await records.accounts.auditTrail(account.id)).map((e) => e.action);
    expect(actions).toContain('password.changed');
  });

  it('sends the code with a new password by SMS when the customer chooses the phone', async () => {
    const h = harness(sent);
    const account = await registered(h);
    const c = h.customer();
    await resetVia(c, 'phone', `8${account.phone.slice(2)}`);
    const sms = received(h, account.phone);
    expect(sms.channel).toBe('sms');
    expect(said(await c.text(sms.code))).toContain(t('reset.done_sent'));
    expect(h.outbox.list()[0]).toMatchObject({ channel: 'email', to: account.email });
  });

  it('answers an unknown contact exactly as a known one, and sends nothing', async () => {
    const h = harness(sent);
    const account = await registered(h);
    const known = h.customer();
    const unknown = h.customer();
    const ghost = `ghost.${Date.now()}@example.ru`;
    const toKnown = question(await resetVia(known, 'email', account.email));
    const toGhost = question(await resetVia(unknown, 'email', ghost));
    expect(toGhost).toBe(toKnown.replace(account.email, ghost));
    expect(h.outbox.list().map((m) => m.to)).toEqual([account.email]);
    expect(said(await unknown.text('123456'))).toContain(t('code.wrong', { count: 4 }));
  });

  it('tells a chat that asked for codes to many contacts that the chat, not the contact, has had too many', async () => {
    const h = harness(sent);
    const c = h.customer();
    const run = Date.now().toString(36);
    let last = '';
    for (let i = 0; i < 11; i++) {
      last = said(await resetVia(c, 'email', `many.${run}.${i}@example.ru`));
      await c.text('/cancel');
    }
    expect(last).toContain(t('code.conversation_cap', { minutes: 60 }).split('.')[0] ?? '');
    expect(last).not.toContain('На этот контакт');
  });

  it('caps codes per client across new conversations (a web page can open a fresh chat for every try)', async () => {
    const h = harness(sent);
    const run = Date.now().toString(36);
    const client = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const tries = presets.soglasie.codes.sendsPerClientPerHour;
    for (let i = 0; i < tries; i++) {
      const out = said(
        await resetVia(h.customer(undefined, { client }), 'email', `spray.${run}.${i}@example.ru`),
      );
      expect(out).not.toContain(t('code.client_cap', { minutes: 60 }).split('.')[0] ?? '');
    }
    const refused = await resetVia(h.customer(undefined, { client }), 'email', `spray.${run}.x@example.ru`);
    expect(said(refused)).toContain(t('code.client_cap', { minutes: 60 }).split('.')[0] ?? '');
    expect(question(refused)).toBe(t('reset.email.ask')); // asked again, in its place
    // Another client is not held back by this one.
    const other = await resetVia(
      h.customer(undefined, { client: '203.0.113.7' }),
      'email',
      `spray.${run}.y@example.ru`,
    );
    expect(said(other)).not.toContain(t('code.client_cap', { minutes: 60 }).split('.')[0] ?? '');
  });

  it('refuses five wrong codes, then the code is spent; a new one waits out the cooldown', async () => {
    const h = harness(sent);
    const account = await registered(h);
    const c = h.customer();
    await resetVia(c, 'email', account.email);
    const { code } = received(h, account.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--)
      expect(said(await c.text(wrong))).toContain(t('code.wrong', { count: left }));
    expect(said(await c.text(wrong))).toContain(t('code.too_many_attempts'));
    expect(said(await c.text(code))).toContain(t('code.too_many_attempts'));
    expect(said(await c.choose('resend'))).toContain(t('code.cooldown', { seconds: 60 }).slice(0, 25));
    h.tick(61_000);
    expect(said(await c.choose('resend'))).toContain(t('code.resent'));
    const again = received(h, account.email);
    expect(said(await c.text(again.code))).toContain(t('reset.done_sent'));
  });

  it('ends the session a chat held when it resets another account, so it never comes back', async () => {
    const h = harness(sent);
    const [mine, other] = [await registered(h), await registered(h)];
    const c = h.customer(`tg:${Date.now()}`);
    await signIn(c, mine.email, OLD_PASSWORD);
    await c.text('/reset');
    await c.choose('phone');
    await c.text(other.phone);
    expect(said(await c.text(received(h, other.phone).code))).toContain(t('reset.done_sent'));
    expect(await records.accounts.listSessions(mine.id)).toEqual([]);
    expect(await records.accounts.listSessions(other.id)).toHaveLength(1);
  });

  it('does not take a code in a chat other than the one that asked for it', async () => {
    const h = harness(sent);
    const account = await registered(h);
    const asker = h.customer();
    await resetVia(asker, 'email', account.email);
    const { code } = received(h, account.email);
    const thief = h.customer();
    await resetVia(thief, 'email', account.email);
    expect(said(await thief.text(code))).not.toContain(t('reset.done_sent'));
    expect(said(await signIn(h.customer(), account.email, OLD_PASSWORD))).toContain(t('signin.done'));
  });
});

describe('password reset, mode "chosen"', () => {
  it('asks for a new password after the code, twice, under the preset rules; signs in and tells the e-mail', async () => {
    const h = harness(chosen);
    const account = await registered(h);
    const before = h.customer(`tg:${Date.now()}`);
    await before.open();
    await signIn(before, account.phone, OLD_PASSWORD);
    const c = h.customer();
    await resetVia(c, 'phone', account.phone);
    const sms = received(h, account.phone);
    expect(sms.password).toBeNull();
    expect(question(await c.text(sms.code))).toContain(
      t('reset.new_password.ask', { rules: '' }).slice(0, 20),
    );
    expect(said(await c.text('12345'))).toContain(t('password.error.too_short', { min: 6 }).slice(0, 10));
    await c.text('Marigold77');
    secrets.add('Marigold77');
    expect(said(await c.text('Marigold78'))).toContain(t('reg.password_repeat.mismatch'));
    await c.text('Marigold77');
    const done = await c.text('Marigold77');
    expect(done[0]).toMatchObject({ type: 'delete-message' });
    expect(said(done)).toContain(t('reset.done_chosen'));
    expect(h.outbox.list()[0]).toMatchObject({ channel: 'email', to: account.email });
    expect(said(await before.text('/help'))).toContain(
      t('session.ended.password_changed', { support: presets.soglasie.support }),
    );
    const fresh = h.customer();
    await fresh.open();
    expect(said(await signIn(fresh, account.phone, OLD_PASSWORD))).toContain(t('signin.wrong'));
    expect(said(await fresh.text('Marigold77'))).toContain(t('signin.done'));
  });

  it('resets by e-mail too, and the phone hears of it', async () => {
    const h = harness(chosen);
    const account = await registered(h);
    const c = h.customer();
    await resetVia(c, 'email', account.email);
    const mail = received(h, account.email);
    expect(mail.password).toBeNull();
    await c.text(mail.code);
    await c.text('Hollyhock31');
    secrets.add('Hollyhock31');
    expect(said(await c.text('Hollyhock31'))).toContain(t('reset.done_chosen'));
    expect(h.outbox.list()[0]).toMatchObject({ channel: 'sms', to: account.phone });
    const fresh = h.customer();
    expect(said(await signIn(fresh, account.email, 'Hollyhock31'))).toContain(t('signin.done'));
  });

  it('leaves no password, generated password or code in clear in the records, the state store or the logs', async () => {
    expect(secrets.size).toBeGreaterThan(5); // the scan looks for what the tests above really sent
    const tables = ['accounts', 'contacts', 'sessions', 'audit_log'];
    const rows = await Promise.all(
      tables.map((table) => records.database.db.execute(sql.raw(`select * from ${table}`))),
    );
    const stored = [JSON.stringify(rows), await dumpRedis(), logs.join('\n')].join('\n');
    expect(stored).toContain('password.changed'); // the scan reads real data
    for (const secret of secrets)
      expect(stored).not.toMatch(new RegExp(`(?<![\\w$./])${escapeRegExp(secret)}(?![\\w$./])`));
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every key this file wrote to Redis, with its value whatever its type; empty on the in-memory store. */
async function dumpRedis(): Promise<string> {
  if (!redisUrl) return '';
  const plain = new Redis(redisUrl);
  try {
    const keys = await plain.keys(`${prefix}*`);
    const values = await Promise.all(
      keys.map(async (key) => {
        const type = await plain.type(key);
        if (type === 'string') return plain.get(key);
        if (type === 'hash') return JSON.stringify(await plain.hgetall(key));
        if (type === 'zset') return JSON.stringify(await plain.zrange(key, '0', '-1', 'WITHSCORES'));
        if (type === 'list') return JSON.stringify(await plain.lrange(key, 0, -1));
        return JSON.stringify(await plain.smembers(key));
      }),
    );
    expect(keys.length).toBeGreaterThan(0);
    return JSON.stringify(values);
  } finally {
    plain.disconnect();
  }
}
