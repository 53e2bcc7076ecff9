import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tokenHash } from '../core/activation';
import { createTranslations } from '../core/i18n';
import type { Outbound } from '../core/messages';
import { presets } from '../core/presets';
import { auditLog } from '../db/schema';
import { createActivationRoutes } from '../web/activation-routes';
import { codeIn } from './support/fake-gateways';
import { createFlowHarness, freshContacts, question, said, useTestRecords } from './support/flow-harness';

/** Records on the real Postgres when CI provides it. */
const records = useTestRecords({ postgres: true });
const { accounts } = records;
const t = createTranslations()('ru');
const victoria = presets.victoria;

type Harness = ReturnType<typeof createFlowHarness>;

/** A Kazakh mobile number no other test uses. */
let numbers = 0;
const kzPhone = () => `+7701${String(1_000_000 + (Date.now() % 900_000) + ++numbers).slice(-7)}`;

function harness() {
  const h = createFlowHarness(accounts, victoria);
  const app = createActivationRoutes({
    accounts,
    activation: h.services.activation,
    notices: h.services.notices,
    preset: victoria,
  });
  const open = async (path: string, init?: RequestInit) => {
    const response = await app.request(path, init);
    await h.queue.settled();
    return { status: response.status, text: await response.text() };
  };
  return { ...h, open };
}

/** The activation e-mail's link path and temporary password. */
function activationMail(h: Harness, email: string) {
  const mail = h.outbox.list().find((m) => m.to === email && m.channel === 'email');
  if (!mail) throw new Error(`no e-mail to ${email}`);
  const link = /https?:\/\/\S+(\/activate\/[\w-]+)/.exec(mail.text)?.[1];
  const password = /Временный пароль: (\S+)/.exec(mail.text)?.[1];
  if (!link || !password) throw new Error(`no link or password in: ${mail.text}`);
  return { link, password };
}

/** Registers by link through the SMS code; returns the contacts as stored. */
async function register(h: Harness) {
  const email = freshContacts().email.toLowerCase();
  const phone = kzPhone();
  const c = h.customer();
  await c.open();
  expect(question(await c.choose('register'))).toContain(t('reg.email.ask'));
  await c.text(email);
  const confirm = await c.text(phone.replace('+7', '8 '));
  expect(question(confirm)).toContain(email);
  expect(question(confirm)).toContain(victoria.agreement.url);
  await c.choose('register');
  const sms = h.outbox.list().find((m) => m.to === phone);
  expect(h.outbox.list().filter((m) => m.to === email)).toEqual([]); // only the SMS code so far
  const created = await c.text(codeIn(sms?.text ?? ''));
  return { c, email, phone, created };
}

async function signIn(c: ReturnType<Harness['customer']>, contact: string, password: string) {
  await c.text('/login');
  await c.text(contact);
  return c.text(password);
}

const values = (out: Outbound[]) => {
  const last = out.at(-1);
  return last?.type === 'choices' ? last.rows.flat().map((o) => o.value) : [];
};

describe('Victoria: registration by activation link', () => {
  it('registers with e-mail and phone, one SMS code, then mails a link and a temporary password', async () => {
    const h = harness();
    const { email, phone, created } = await register(h);
    expect(said(created)).toContain(t('vreg.created', { email }));
    const { link, password } = activationMail(h, email);
    expect(link).toMatch(/^\/activate\/[\w-]{32}$/);
    expect(password).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[!@$_-]).{12}$/);
    expect(h.outbox.list().some((m) => m.to === phone && m.text.includes('личный кабинет создан'))).toBe(
      true,
    );
    const account = await accounts.findByContact('email', email);
    expect(account?.phone).toBe(phone);
  });

  it('refuses sign-in before activation, and sends the link again on request', async () => {
    const h = harness();
    const { c, email } = await register(h);
    const first = activationMail(h, email);
    const refused = await signIn(c, email, first.password);
    expect(question(refused)).toBe(t('signin.not_activated'));
    // A new link at most once a minute: the first one is on its way.
    expect(said(await c.choose('resend'))).toContain(t('signin.link_too_soon'));
    h.tick(61_000);
    expect(said(await c.choose('resend'))).toContain(t('signin.link_resent'));
    const second = activationMail(h, email);
    expect(second.link).not.toBe(first.link);
    // The first link no longer works: only the newest one sent is worth following.
    expect((await h.open(first.link)).status).toBe(410);
    expect((await h.open(first.link, { method: 'POST' })).status).toBe(410);
    expect((await h.open(second.link, { method: 'POST' })).text).toContain(
      t('page.activation.done').slice(0, 30),
    );
  });

  it('activates once, tells the chat, and forces a new password at the first sign-in under Victoria’s rules', async () => {
    const h = harness();
    const { c, email } = await register(h);
    const { link, password } = activationMail(h, email);
    // Opening the link (a mail scanner does) changes nothing: it asks, naming the phone's last four digits.
    const opened = await h.open(link);
    expect(opened.text).toContain(t('page.activation.activate'));
    expect(opened.text).toContain(
      `оканчивается на ${(await accounts.findByContact('email', email))?.phone.slice(-4)}`,
    );
    expect((await accounts.credentials('email', email))?.activated).toBe(false);
    const page = await h.open(link, { method: 'POST' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="ru">');
    expect(said(c.shown())).toContain(t('activation.done_chat'));
    const again = await h.open(`${link}?lang=en`);
    expect(again.text).toContain('<html lang="en">');
    expect(again.text).toContain('already activated');

    const forced = await signIn(c, email, password);
    expect(said(forced)).toContain(t('signin.temporary'));
    expect(question(forced)).toContain('Придумайте новый пароль');
    for (const [typed, rule] of [
      ['Ag1!', 'too_short'],
      ['Пароль-2026x', 'latin_only'],
      ['kestrel_2026x', 'upper_lower'],
      ['Kestrel#2026x', 'latin_only'],
      ['Kestrel2026x', 'special'],
      ['Ag-15!d44', 'published'],
    ] as const) {
      const refused = await c.text(typed);
      expect(refused[0], typed).toMatchObject({ type: 'delete-message' });
      expect(said(refused), `${typed} breaks ${rule}`).toContain(
        t(`password.error.${rule}`, { min: 8, chars: '!@$_-' }),
      );
    }
    await c.text('Kestrel_2026x');
    const done = await c.text('Kestrel_2026x');
    expect(said(done)).toContain(t('signin.password_changed'));
    expect(values(done)).toContain('my_account');
    // The temporary password is spent; the new one signs in.
    const other = h.customer();
    await other.open();
    expect(said(await signIn(other, email, password))).toContain(t('signin.wrong'));
    expect(said(await other.text('Kestrel_2026x'))).toContain(t('signin.done'));
  });

  it('answers an unknown link and an expired one clearly, and sends a new link from the expired page', async () => {
    const h = harness();
    expect((await h.open('/activate/not-a-token')).status).toBe(404);
    const unknown = await h.open(`/activate/${'A'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain(t('page.activation.unknown', { support: victoria.support }).slice(0, 30));

    const { email } = await register(h);
    const { link } = activationMail(h, email);
    const id = (await accounts.findByContact('email', email))?.id ?? '';
    await records
      .database()
      .db.execute(
        sql`update activation_tokens set expires_at = now() - interval '1 minute' where account_id = ${id}`,
      );
    h.tick(61_000);
    const expired = await h.open(link);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<form method="post"');
    const renewed = await h.open(`${link}/renew`, { method: 'POST' });
    expect(renewed.text).toContain(t('page.activation.renewed').slice(0, 30));
    await h.open(`${link}/renew`, { method: 'POST' }); // pressed twice: still one e-mail
    const mails = h.outbox.list().filter((m) => m.to === email && m.channel === 'email');
    expect(mails).toHaveLength(2);
    expect((await h.open(activationMail(h, email).link, { method: 'POST' })).status).toBe(200);
  });

  it('refuses a temporary password past its lifetime, and offers the reset', async () => {
    const h = harness();
    const { c, email } = await register(h);
    const { link, password } = activationMail(h, email);
    await h.open(link, { method: 'POST' });
    h.tick((victoria.activation.temporaryPasswordHours + 1) * 3600 * 1000);
    await c.open();
    expect(said(await signIn(c, email, password))).toContain(t('signin.temporary_expired'));
  });

  it('speaks Kazakh to a customer whose Telegram is in Kazakh, offers it first, and so does the page', async () => {
    const h = harness();
    const kkT = createTranslations()('kk');
    const { out } = await h.engine.handle({
      type: 'open',
      conversationId: `tg:${Date.now()}`,
      channel: 'tg',
      eventId: 'kk-1',
      localeHint: 'kk',
    });
    expect(said(out)).toContain(kkT('greeting', { insurer: victoria.name.kk }));
    const c = h.customer();
    await c.open();
    const languages = await c.text('/language');
    expect(values(languages)).toEqual(['lang:kk', 'lang:ru', 'lang:en']);
    expect(said(await c.choose('lang:kk'))).toContain(kkT('language.changed'));
    expect((await h.open(`/activate/${'B'.repeat(32)}?lang=kk`)).text).toContain('<html lang="kk">');
  });

  it("withdraws an unactivated registration for its e-mail's owner, who registers anew with their own phone", async () => {
    const h = harness();
    // A stranger registers someone else's e-mail with the stranger's own phone, and proves the phone.
    const { email, phone: strangers } = await register(h);
    const { link } = activationMail(h, email);
    // The mailbox's owner can tell from the e-mail that the phone is not theirs.
    expect(h.outbox.list().find((m) => m.to === email)?.text).toContain(
      `оканчивается на ${strangers.slice(-4)}`,
    );
    const byPhone = h.customer();
    await byPhone.open();
    await byPhone.choose('forgot_password');
    await byPhone.choose('phone');
    h.tick(61_000); // past the registration code's resend pause
    await byPhone.text(strangers);
    await h.queue.settled();
    const smsCode = codeIn(h.outbox.list().find((m) => m.to === strangers)?.text ?? '');
    expect(said(await byPhone.text(smsCode))).toContain(t('reset.not_activated'));

    // The mailbox's owner resets by e-mail: the registration is withdrawn rather than handed over activated.
    const owner = h.customer();
    await owner.open();
    await owner.choose('forgot_password');
    await owner.choose('email');
    await owner.text(email);
    const mailCode = codeIn(
      h.outbox.list().find((m) => m.to === email && /\b\d{6}\b/.test(m.text))?.text ?? '',
    );
    const withdrawn = await owner.text(mailCode);
    expect(said(withdrawn)).toContain(t('reset.registration_withdrawn'));
    expect(question(withdrawn)).toContain(t('reg.email.ask'));
    expect(await accounts.findByContact('email', email)).toBeNull();
    expect(await accounts.findByContact('phone', strangers)).toBeNull();
    // The stranger's link and phone lead nowhere now.
    expect((await h.open(link)).status).toBe(404);
    expect((await h.open(link, { method: 'POST' })).status).toBe(404);
    const again = h.customer();
    await again.open();
    await again.choose('forgot_password');
    await again.choose('phone');
    const sent = h.outbox.list().length;
    await again.text(strangers);
    await h.queue.settled();
    expect(h.outbox.list().length).toBe(sent); // no account behind the phone: the reset code is dropped

    // The owner registers with a phone of their own and gets a cabinet of their own.
    const ownPhone = kzPhone();
    await owner.text(email);
    await owner.text(ownPhone);
    await owner.choose('register');
    await h.queue.settled();
    const created = await owner.text(codeIn(h.outbox.list().find((m) => m.to === ownPhone)?.text ?? ''));
    expect(said(created)).toContain(t('vreg.created', { email }));
    expect((await accounts.findByContact('email', email))?.phone).toBe(ownPhone);
  });

  it('does not let a forced change begun before the owner’s own land after it', async () => {
    const h = harness();
    const { c, email } = await register(h);
    const { link, password } = activationMail(h, email);
    await h.open(link, { method: 'POST' });
    const mallory = h.customer();
    await mallory.open();
    await signIn(mallory, email, password);
    await signIn(c, email, password);
    await c.text('Kestrel_2026x');
    expect(said(await c.text('Kestrel_2026x'))).toContain(t('signin.password_changed'));
    await mallory.text('Mallory_2026x');
    expect(said(await mallory.text('Mallory_2026x'))).toContain(t('signin.wrong'));
    const check = h.customer();
    await check.open();
    expect(said(await signIn(check, email, 'Kestrel_2026x'))).toContain(t('signin.done'));
  });

  it('tells a customer whose contacts already have a cabinet to sign in or reset, once the SMS code proves the phone', async () => {
    const h = harness();
    const { email } = await register(h);
    const c = h.customer();
    await c.open();
    await c.choose('register');
    await c.text(email);
    const phone = kzPhone();
    await c.text(phone);
    // Before the code, a taken e-mail is answered like any other: a code to the phone.
    expect(question(await c.choose('register'))).not.toBe(t('vreg.already_exists'));
    const sms = h.outbox.list().find((m) => m.to === phone);
    const out = await c.text(codeIn(sms?.text ?? ''));
    expect(question(out)).toBe(t('vreg.already_exists'));
    expect(values(out)).toEqual(['sign_in', 'reset', 'other']);
    expect(question(await c.choose('sign_in'))).toBe(t('signin.contact.ask'));
  });

  it("lets the mailbox's owner cancel, from the link, a registration made with a phone not theirs", async () => {
    const h = harness();
    const { email, phone } = await register(h);
    const { link } = activationMail(h, email);
    const account = await accounts.findByContact('email', email);
    const cancelled = await h.open(`${link}/withdraw`, { method: 'POST' });
    expect(cancelled.text).toContain(t('page.activation.withdrawn').slice(0, 30));
    expect(await accounts.findByContact('email', email)).toBeNull();
    expect(await accounts.findByContact('phone', phone)).toBeNull();
    expect((await h.open(link, { method: 'POST' })).status).toBe(404);
    const [audit] = await records
      .database()
      .db.select({ details: auditLog.details })
      .from(auditLog)
      .where(
        and(eq(auditLog.action, 'account.withdrawn'), sql`${auditLog.details}->>'account' = ${account?.id}`),
      );
    expect(audit?.details).toMatchObject({
      registeredWithPhoneEndingIn: phone.slice(-4),
      registeredIn: 'web',
    });
  });

  it('follows a link and withdraws its registration at the same moment without a deadlock: one of them wins', async () => {
    for (let i = 0; i < 5; i++) {
      const h = harness();
      const { email } = await register(h);
      const { link } = activationMail(h, email);
      const account = await accounts.findByContact('email', email);
      const [activated, withdrawn] = await Promise.all([
        accounts.activate(await tokenHash(link.slice('/activate/'.length))),
        accounts.withdrawUnactivated(account?.id ?? '', 'test', 'race'),
      ]);
      expect(activated.ok !== withdrawn).toBe(true);
    }
  });

  it('spends the SMS code on the answer: asking about another e-mail takes a new code', async () => {
    const h = harness();
    const [first, second] = [await register(h), await register(h)];
    const c = h.customer();
    await c.open();
    await c.choose('register');
    await c.text(first.email);
    const phone = kzPhone();
    await c.text(phone);
    await c.choose('register');
    const code = codeIn(h.outbox.list().find((m) => m.to === phone)?.text ?? '');
    expect(question(await c.text(code))).toBe(t('vreg.already_exists'));
    await c.choose('other');
    await c.text(second.email);
    const asked = await c.choose('register');
    expect(said(asked)).toContain(t('code.cooldown', { seconds: 60 }).slice(0, 20));
    expect(said(asked)).not.toContain(t('code.already_sent', { seconds: 60 }).slice(0, 20));
    // The code that answered once answers no more.
    const again = await c.text(code);
    expect(said(again)).toContain(t('code.expired'));
    expect(question(again)).not.toBe(t('vreg.already_exists'));
    expect(h.outbox.list().filter((m) => m.to === phone)).toHaveLength(1);
  });
});
