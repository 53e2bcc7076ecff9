import { afterAll, describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import type { Outbound } from '../core/messages';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { newAccount } from './contracts/account-repository.contract';
import {
  createFlowHarness,
  type HarnessOptions,
  question,
  said,
  texts,
  useTestRecords,
} from './support/flow-harness';
import { serviceUrl, uniquePrefix } from './support/services';

/** Records on the real Postgres and state, locks and limits on the real Redis when CI provides them. */
const records = useTestRecords({ postgres: true });
const { accounts } = records;
const redisUrl = serviceUrl('REDIS_URL');
const redis = redisUrl ? createRedisClient(redisUrl, uniquePrefix('sign-in')) : undefined;
afterAll(async () => {
  if (redis) await closeRedis(redis);
});

const t = createTranslations()('ru');
const PASSWORD = 'Sunflower42';

const harness = (options: HarnessOptions = {}) =>
  createFlowHarness(accounts, undefined, { redis, cases: records.casesWith, ...options });

/** An account registered with PASSWORD (hashed by the harness's own hasher). */
async function registered(h: ReturnType<typeof harness>) {
  const input = newAccount({ passwordHash: await h.services.passwords.hash(PASSWORD) });
  const created = await accounts.createAccount(input);
  if (!created.ok) throw new Error('setup failed');
  return { ...input, id: created.value.id };
}

type Customer = ReturnType<ReturnType<typeof harness>['customer']>;

/** Opens the chat, chooses "Sign in" and types the contact; the password question is next. */
async function atPassword(c: Customer, contact: string) {
  await c.open();
  await c.choose('sign_in');
  return c.text(contact);
}

const menuValues = (out: Outbound[]) => {
  const menu = out.at(-1);
  return menu?.type === 'choices' ? menu.rows.flat().map((o) => o.value) : [];
};

describe('sign-in', () => {
  it('keeps the field masked when the language picker is asked for at the password step', async () => {
    const h = harness();
    const account = await registered(h);
    const c = h.customer();
    await atPassword(c, account.email);
    const picker = await c.text('/language');
    expect(picker.at(-1)).toMatchObject({ type: 'choices', secret: true });
  });

  it('signs in with the e-mail or the phone as typed at registration, and deletes the password message', async () => {
    const h = harness();
    const account = await registered(h);
    const c = h.customer();
    const typed = account.email.replace(/@.*$/, (domain) => domain.toUpperCase());
    expect(question(await atPassword(c, typed))).toContain(t('signin.password.ask'));
    const out = await c.text(PASSWORD);
    expect(out[0]).toEqual({ type: 'delete-message', messageId: 'm4' });
    expect(said(out)).toContain(t('signin.done'));
    expect(menuValues(out)).toEqual(['my_account', 'confirm_identity', 'sign_out', 'language']);

    // The phone in the local form works as well, in another conversation.
    const byPhone = h.customer();
    await atPassword(byPhone, `8 ${account.phone.slice(2)}`);
    expect(said(await byPhone.text(PASSWORD))).toContain(t('signin.done'));
    const trail = await accounts.auditTrail(account.id);
    expect(trail.filter((e) => e.action === 'session.opened')).toHaveLength(2);
  });

  it('answers a wrong password and an unknown contact alike, and asks for the password again', async () => {
    const h = harness();
    const account = await registered(h);
    const known = h.customer();
    await atPassword(known, account.email);
    const wrong = await known.text('Sunflower43');
    const unknown = h.customer();
    await atPassword(unknown, `nobody.${Date.now()}@example.ru`);
    const nobody = await unknown.text(PASSWORD);
    expect(texts(wrong)).toEqual(texts(nobody));
    expect(said(wrong)).toContain(t('signin.wrong'));
    expect(question(wrong)).toContain(t('signin.password.ask'));
  });

  it('refuses what is neither an e-mail nor a phone, and asks again', async () => {
    const h = harness();
    const c = h.customer();
    await c.open();
    await c.choose('sign_in');
    const out = await c.text('ivanov');
    expect(said(out)).toContain(t('signin.contact.invalid'));
    expect(question(out)).toBe(t('signin.contact.ask'));
  });

  it('locks a contact after five wrong passwords, says for how long, offers a reset, and doubles the wait', async () => {
    const h = harness();
    const account = await registered(h);
    const c = h.customer();
    await atPassword(c, account.phone);
    for (let i = 0; i < 4; i++) expect(said(await c.text(`Wrong${i}pass`))).toContain(t('signin.wrong'));
    const locked = await c.text('Wrong5pass');
    expect(question(locked)).toBe(t('signin.locked', { count: 1 }));
    expect(menuValues(locked)).toContain('reset');

    // Even the right password waits out the lock, in this chat and in any other; typed at the lock, it is deleted.
    const typedAtLock = await c.text(PASSWORD);
    expect(typedAtLock[0]).toMatchObject({ type: 'delete-message' });
    expect(question(typedAtLock)).toBe(t('signin.locked', { count: 1 }));
    const other = h.customer();
    await atPassword(other, account.phone);
    expect(question(await other.text(PASSWORD))).toBe(t('signin.locked', { count: 1 }));

    // After the minute, one more failure locks again for twice as long.
    h.tick(61_000);
    await c.choose('retry');
    expect(question(await c.text('Wrong6pass'))).toBe(t('signin.locked', { count: 2 }));
    h.tick(121_000);
    await c.choose('retry');
    expect(said(await c.text(PASSWORD))).toContain(t('signin.done'));
  });

  it('lets no more than the lock allows through when tries race in parallel from many chats', async () => {
    const h = harness();
    const account = await registered(h);
    const chats = Array.from({ length: 20 }, () => h.customer());
    for (const c of chats) await atPassword(c, account.email);
    const answers = await Promise.all(chats.map((c, i) => c.text(`Wrong${i}pass`)));
    // Only the first four were checked and found wrong; the fifth locked the contact, the rest met the lock.
    expect(answers.filter((out) => said(out).includes(t('signin.wrong')))).toHaveLength(4);
    const late = h.customer();
    await atPassword(late, account.email);
    expect(question(await late.text(PASSWORD))).toBe(t('signin.locked', { count: 1 }));
  });

  it('locks an unknown contact exactly like a known one', async () => {
    const h = harness();
    const c = h.customer();
    await atPassword(c, `ghost.${Date.now()}@example.ru`);
    for (let i = 0; i < 4; i++) await c.text(`Wrong${i}pass`);
    expect(question(await c.text('Wrong5pass'))).toBe(t('signin.locked', { count: 1 }));
  });

  it('holds a lockout across two engine instances sharing the state store', async () => {
    const shared = { limiterPrefix: uniquePrefix('two-engines') };
    const first = harness(shared);
    const second = harness({ ...shared, store: first.store });
    const account = await registered(first);
    // One customer's messages land on either instance, turn by turn (as behind a load balancer).
    const onFirst = first.customer('web:balanced');
    const onSecond = second.customer('web:balanced-2');
    await atPassword(onFirst, account.email);
    await atPassword(onSecond, account.email);
    for (let i = 0; i < 5; i++) await (i % 2 ? onSecond : onFirst).text(`Wrong${i}pass`);
    expect(question(await onSecond.text(PASSWORD))).toBe(t('signin.locked', { count: 1 }));
  });

  it('limits the tries of one chat whatever the contacts', async () => {
    const h = harness();
    const c = h.customer();
    await c.open();
    await c.choose('sign_in');
    let out: Outbound[] = [];
    for (let i = 0; i < 21; i++) {
      await c.choose('other');
      await c.text(`spray.${i}.${Date.now()}@example.ru`);
      out = await c.text('Wrong1pass');
    }
    expect(said(out)).toContain(t('signin.chat_limit', { minutes: 60 }));
  });
});

describe('sessions', () => {
  it('signs out with /logout and with the menu item; the menu is a guest’s again', async () => {
    const h = harness();
    const account = await registered(h);
    const c = h.customer();
    await atPassword(c, account.email);
    await c.text(PASSWORD);
    const out = await c.text('/logout');
    expect(said(out)).toContain(t('logout.done'));
    expect(menuValues(out)).toContain('sign_in');
    expect(said(await c.text('/logout'))).toContain(t('logout.not_signed_in'));
    const status = await accounts.listSessions(account.id);
    expect(status).toEqual([]);
  });

  it('lists the open sessions in My account, and ends the others: they are told at their next message', async () => {
    const h = harness();
    const account = await registered(h);
    const web = h.customer();
    const tg = h.customer(`tg:${Date.now()}`);
    for (const c of [web, tg]) {
      await atPassword(c, account.email);
      await c.text(PASSWORD);
    }
    const overview = await web.choose('my_account');
    expect(question(overview)).toContain(t('account.sessions.title'));
    expect(question(overview)).toContain(t('channel.tg'));
    expect(menuValues(overview)).toContain('end_others');

    expect(said(await web.choose('end_others'))).toContain(t('account.sessions.ended_others', { count: 1 }));
    // A notice is what reaches the signed-out chat first: it hears why, and the notice too.
    const { out: told } = await h.engine.handle({
      type: 'notification',
      notice: { key: 'code.delivery_failed.email' },
      conversationId: tg.conversationId,
      channel: 'tg',
      eventId: 'notice-after-end',
    });
    expect(said(told)).toContain(t('session.ended.ended_elsewhere'));
    expect(said(told)).toContain(t('code.delivery_failed.email'));
    expect(menuValues(told)).toContain('sign_in');
    // The one that ended the others is still signed in.
    expect(menuValues(await web.text('/start'))).toContain('my_account');
  });

  it('keeps a Telegram chat signed in after its conversation expired, but not a web chat', async () => {
    const h = harness({ redis: undefined });
    const account = await registered(h);
    const tg = h.customer(`tg:${Date.now()}`);
    const web = h.customer();
    for (const c of [tg, web]) {
      await atPassword(c, account.phone);
      await c.text(PASSWORD);
    }
    h.tick(25 * 60 * 60 * 1000);
    const tgOut = await tg.text('/start');
    expect(said(tgOut)).toContain(t('session.expired'));
    expect(menuValues(tgOut)).toContain('my_account');
    expect(menuValues(await web.text('/start'))).toContain('sign_in');
  });
});
