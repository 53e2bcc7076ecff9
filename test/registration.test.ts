import { describe, expect, it } from 'vitest';
import { formatPhone, readMobilePhone } from '../core/contacts';
import { registrationFlow } from '../core/flows/registration';
import type { Outbound } from '../core/messages';
import { createFlowHarness, freshContacts, question, said, useTestAccounts } from './support/flow-harness';

const accounts = useTestAccounts();

const PASSWORD = 'Sunflower42';
const normalisedEmail = (typed: string) =>
  typed.replace(/@(.*)$/, (_, domain: string) => `@${domain.toLowerCase()}`);
const e164 = (typed: string) => {
  const phone = readMobilePhone(typed, 'RU');
  if (!phone.ok) throw new Error(`bad test phone ${typed}`);
  return phone.value;
};

/** Walks a new customer through registration up to (not answering) `until`. */
async function registerUpTo(
  h: ReturnType<typeof createFlowHarness>,
  until: string,
  contacts = freshContacts(),
) {
  const c = h.customer();
  const email = normalisedEmail(contacts.email);
  const phone = e164(contacts.phone);
  const steps: [string, () => Promise<unknown>][] = [
    ['email', () => c.text(contacts.email)],
    ['phone', () => c.text(contacts.phone)],
    ['password', () => c.text(PASSWORD)],
    ['password_repeat', () => c.text(PASSWORD)],
    ['consent', () => c.choose('agree')],
    ['confirm', () => c.choose('send')],
    ['email_code', () => c.text(h.lastCode(email))],
    ['phone_code', () => c.text(h.lastCode(phone))],
  ];
  await c.open();
  await c.choose('register');
  for (const [step, answer] of steps) {
    if (step === until) break;
    await answer();
  }
  return { c, email, phone };
}

describe('registration (Soglasie)', () => {
  it('walks from the menu to a created account and on to the profile, counting the steps', async () => {
    const h = createFlowHarness(accounts);
    const { c, email, phone } = await registerUpTo(h, 'phone_code');
    expect(h.outbox.list().map((m) => [m.channel, m.to])).toEqual([
      ['sms', phone],
      ['email', email],
    ]);
    const out = await c.text(h.lastCode(phone));
    expect(said(out)).toContain('личный кабинет создан');
    expect(question(out)).toBe('Шаг 9 из 16\nФамилия — как в документе, удостоверяющем личность.');
    const account = await accounts.findByContact('email', email);
    expect(account).toMatchObject({ email, phone });
    expect((await accounts.auditTrail(account?.id ?? '')).map((e) => [e.action, e.actor])).toEqual([
      ['session.opened', 'customer:web'],
      ['account.created', 'customer:web'],
    ]);
    expect((await accounts.overview(account?.id ?? ''))?.contactsVerified).toBe(true);
  });

  it('asks each question with its progress, and the e-mail first', async () => {
    const h = createFlowHarness(accounts);
    const c = h.customer();
    await c.open();
    expect(question(await c.choose('register'))).toBe(
      'Шаг 1 из 16\nВведите адрес электронной почты. Он должен быть настоящим: на него придёт код подтверждения.',
    );
  });

  it('refuses a malformed e-mail and a landline, saying what is wrong', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'email');
    expect(said(await c.text('anna@'))).toContain('Это не похоже на адрес электронной почты');
    await c.text('anna@mail.ru');
    expect(said(await c.text('8 (495) 123-45-67'))).toContain('Это не мобильный номер');
    expect(said(await c.text('12'))).toContain('Не удалось распознать номер');
    expect(question(await c.text('8 916 555-44-33'))).toContain('Придумайте пароль');
  });

  it('accepts the customer’s own shared phone, and refuses someone else’s', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'phone');
    expect(said(await c.send({ type: 'contact', phone: '+79165554433', ownedBySender: false }))).toContain(
      'Можно отправить только свой номер',
    );
    expect(question(await c.send({ type: 'contact', phone: '79165554433', ownedBySender: true }))).toContain(
      'Придумайте пароль',
    );
  });

  it.each([
    ['abc1', 'Пароль слишком короткий: нужно не меньше 6 символов.'],
    ['abcdefgh', 'В пароле должны быть и буквы, и цифры.'],
    ['qwerty123', 'Этот пароль слишком распространён'],
    [`${'x'.repeat(70)}12345`, 'Пароль слишком длинный'],
  ])('refuses the password %s with the rule it breaks', async (password, reason) => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'password');
    const out = await c.text(password);
    expect(said(out)).toContain(reason);
    expect(out[0]).toMatchObject({ type: 'delete-message' });
    expect(question(out)).toContain('Придумайте пароль');
  });

  it('reads a password starting with "/" as a password: never echoed, always deleted', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'password');
    const out = await c.text('/Qwerty12');
    expect(out[0]).toEqual({ type: 'delete-message', messageId: expect.any(String) });
    expect(said(out)).not.toMatch(/qwerty12/i);
    expect(question(out)).toContain('Повторите пароль');
  });

  it('still obeys /cancel at the password question, deleting that message too', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'password');
    const out = await c.text('/cancel');
    expect(out[0]).toMatchObject({ type: 'delete-message' });
    expect(question(out)).toBe('Что вы хотите сделать?');
  });

  it('refuses a password built from the customer’s own e-mail', async () => {
    const h = createFlowHarness(accounts);
    const contacts = { email: 'sunflowerqueen@mail.ru', phone: freshContacts().phone };
    const { c } = await registerUpTo(h, 'password', contacts);
    expect(said(await c.text('sunflowerqueen1'))).toContain(
      'Пароль не должен повторять вашу почту или телефон.',
    );
  });

  it('asks for the password again when the repeat does not match, and never keeps the password', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'password_repeat');
    const out = await c.text('Sunflower43');
    expect(said(out)).toContain('Пароли не совпали');
    expect(question(out)).toContain('Придумайте пароль');
    const state = (await h.store.get(`conv:${c.conversationId}`))?.value ?? '';
    expect(state).not.toContain(PASSWORD);
    expect(state).not.toContain('Sunflower43');
    expect(state).not.toContain('$2b$'); // not even the hash: it waits sealed
    expect(state).toContain('"passwordHash":null');
  });

  it('sends no code while an answer is missing after corrections and /back', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'confirm');
    await c.choose('change_email');
    for (let i = 0; i < 3; i++) await c.text('/back'); // email → confirm → consent → password_repeat
    expect(said(await c.text('Different99'))).toContain('Пароли не совпали');
    await c.text('/back'); // password → phone, where the earlier correction's "back to the echo" still waits
    const echo = await c.text(freshContacts().phone);
    expect(question(echo)).toContain('Проверьте, всё ли верно');
    expect(question(await c.choose('send'))).toContain('Придумайте пароль');
    expect(h.outbox.list()).toHaveLength(0);
  });

  it('keeps the password’s hash in state only sealed for this conversation', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'password_repeat');
    const state = (await h.store.get(`conv:${c.conversationId}`))?.value ?? '';
    expect(state).toMatch(/"passwordHash":"v1\.[\w-]+\.[\w-]+"/);
    expect(state).not.toContain('$2b$');
  });

  it('does not go on without consent', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'consent');
    const out = await c.choose('decline');
    expect(said(out)).toContain('Без согласия с пользовательским соглашением зарегистрироваться нельзя');
    expect(question(out)).toContain('https://lk.soglasie.ru/agreement');
  });

  it('echoes the contacts and lets a mistyped e-mail be fixed before any code is sent', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'confirm', { email: 'anna@gmial.com', phone: freshContacts().phone });
    await c.choose('change_email');
    const fixed = `anna.${Date.now()}@gmail.com`;
    const out = await c.text(fixed);
    expect(question(out)).toContain(`Почта: ${fixed}`);
    expect(question(out)).toMatch(/Телефон: \+7 916 \d{3} \d{2} \d{2}/);
    expect(h.outbox.list()).toHaveLength(0);
    await c.choose('send');
    expect(h.outbox.list().map((m) => m.to)).toEqual([fixed]);
  });

  it('answers a registered e-mail exactly as a free one until its code is typed, then tells its owner', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const h2 = createFlowHarness(accounts);
    const taken = await registerUpTo(h2, 'confirm', { email: first.email, phone: freshContacts().phone });
    const free = await registerUpTo(h2, 'confirm');
    const toTaken = question(await taken.c.choose('send'));
    const toFree = question(await free.c.choose('send'));
    // Before the code nothing tells them apart: the same question, a code to each mailbox.
    expect(toTaken.replace(first.email, '<e-mail>')).toBe(toFree.replace(free.email, '<e-mail>'));
    expect(
      h2.outbox
        .list()
        .map((m) => m.to)
        .sort(),
    ).toEqual([first.email, free.email].sort());
    // Whoever has the mailbox (the code in it) owns the e-mail and hears it is registered, with a way back in.
    const told = await taken.c.text(h2.lastCode(first.email));
    expect(said(told)).toContain('Пользователь с указанными контактами уже зарегистрирован');
    expect(told.at(-1)).toMatchObject({ type: 'choices' });
    expect(h2.outbox.list().map((m) => m.to)).not.toContain(e164(first.phone));
    expect(question(await taken.c.choose('other'))).toContain('Введите адрес электронной почты');
  });

  it('lets the owner of a registered e-mail, proven by its code, choose a new password at once', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const { c } = await registerUpTo(h, 'email_code', { email: first.email, phone: freshContacts().phone });
    await c.text(h.lastCode(first.email));
    const sent = h.outbox.list().length;
    // No second code: the registration's code has just proven the mailbox.
    expect(question(await c.choose('reset'))).toContain('Придумайте новый пароль');
    await c.text('Marigold77');
    expect(said(await c.text('Marigold77'))).toContain('Пароль изменён, и вы вошли в личный кабинет');
    const account = await accounts.findByContact('email', first.email);
    const credentials = await accounts.credentials('email', first.email);
    expect(await h.services.passwords.verify('Marigold77', credentials?.passwordHash ?? '')).toBe(true);
    // The account's phone is told, as after any reset; nothing else was sent.
    expect(
      h.outbox
        .list()
        .slice(0, h.outbox.list().length - sent)
        .map((m) => m.to),
    ).toEqual([account?.phone]);
  });

  it('asks again for the taken phone, not the e-mail, when the owner of a registered phone uses other contacts', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const { c } = await registerUpTo(h, 'phone_code', { email: freshContacts().email, phone: first.phone });
    await c.text(h.lastCode(e164(first.phone)));
    expect(question(await c.choose('other'))).toContain('номер мобильного телефона');
    const other = freshContacts().phone;
    const confirm = question(await c.text(other));
    expect(confirm).toContain(formatPhone(e164(other)));
    expect(confirm).not.toContain(formatPhone(e164(first.phone)));
  });

  it('keeps the code sent moments ago when the customer corrects the e-mail to the same address (no cooldown trap)', async () => {
    const h = createFlowHarness(accounts);
    const { c, email } = await registerUpTo(h, 'email_code');
    const code = h.lastCode(email);
    await c.choose('change');
    await c.text(email);
    const again = await c.choose('send');
    // On to the code step, told the code already sent still works, not stuck at the confirmation.
    expect(said(again)).toContain('Код уже отправлен');
    expect(question(again)).toContain(email);
    expect(said(await c.text(code))).not.toContain('Выберите');
    expect(h.outbox.list().filter((m) => m.to === email)).toHaveLength(1);
  });

  it('asks for a reset code of its own once the registration code that proved the e-mail has expired', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const { c } = await registerUpTo(h, 'email_code', { email: first.email, phone: freshContacts().phone });
    await c.text(h.lastCode(first.email));
    h.tick(11 * 60_000);
    expect(question(await c.choose('reset'))).toBe('Восстановим пароль. Куда прислать код подтверждения?');
  });

  it('lets the owner of a registered phone, proven by its SMS code, choose a new password at once', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const { c } = await registerUpTo(h, 'phone_code', { email: freshContacts().email, phone: first.phone });
    await c.text(h.lastCode(e164(first.phone)));
    expect(question(await c.choose('reset'))).toContain('Придумайте новый пароль');
    await c.text('Marigold77');
    expect(said(await c.text('Marigold77'))).toContain('Пароль изменён, и вы вошли в личный кабинет');
    const credentials = await accounts.credentials('phone', e164(first.phone));
    expect(await h.services.passwords.verify('Marigold77', credentials?.passwordHash ?? '')).toBe(true);
  });

  it('knows a registered e-mail typed in other letters, and keeps what the owner typed', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const shouted = first.email.replace(/^[^@]+/, (local) => local.toUpperCase());
    const h2 = createFlowHarness(accounts);
    const { c } = await registerUpTo(h2, 'email_code', { email: shouted, phone: freshContacts().phone });
    expect(said(await c.text(h2.lastCode(shouted)))).toContain('уже зарегистрирован');
    const found = await accounts.findByContact('email', shouted.toLowerCase());
    expect(found?.email).toBe(first.email);
  });

  it('tells the owner of a registered phone once both codes prove the contacts', async () => {
    const h = createFlowHarness(accounts);
    const first = await registerUpTo(h, 'done');
    const { c, email } = await registerUpTo(h, 'phone_code', {
      email: freshContacts().email,
      phone: first.phone,
    });
    expect(said(await c.text(h.lastCode(e164(first.phone))))).toContain('уже зарегистрирован');
    expect(await accounts.findByContact('email', email)).toBeNull();
  });

  it('gives the account back when the save after creating it failed and the customer types the code again', async () => {
    const h = createFlowHarness(accounts);
    const { c, phone } = await registerUpTo(h, 'phone_code');
    h.failNextSaves();
    await expect(c.text(h.lastCode(phone))).rejects.toThrow('ECONNREFUSED');
    const retry = await c.text(h.lastCode(phone));
    expect(said(retry)).toContain('личный кабинет создан');
    expect(question(retry)).toContain('Фамилия');
  });

  it('lets exactly one of two simultaneous registrations of one e-mail through', async () => {
    const h = createFlowHarness(accounts);
    const contacts = freshContacts();
    const a = await registerUpTo(h, 'phone_code', contacts);
    h.tick(61_000); // past the e-mail code's resend cooldown, which the two share
    const b = await registerUpTo(h, 'phone_code', { email: contacts.email, phone: freshContacts().phone });
    const [outA, outB] = await Promise.all([a.c.text(h.lastCode(a.phone)), b.c.text(h.lastCode(b.phone))]);
    const results = [said(outA), said(outB)];
    expect(results.filter((r) => r.includes('личный кабинет создан'))).toHaveLength(1);
    expect(results.filter((r) => r.includes('уже зарегистрирован'))).toHaveLength(1);
  });
});

describe('one-time codes in the registration', () => {
  it('counts down wrong tries, refuses the code after five, and takes a resent one', async () => {
    const h = createFlowHarness(accounts);
    const { c, email } = await registerUpTo(h, 'email_code');
    const right = h.lastCode(email);
    const wrong = right === '000000' ? '111111' : '000000';
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(said(await c.text(wrong)));
    expect(replies.slice(0, 4)).toEqual([
      expect.stringContaining('Неверный код. Осталось 4 попытки.'),
      expect.stringContaining('Неверный код. Осталось 3 попытки.'),
      expect.stringContaining('Неверный код. Осталось 2 попытки.'),
      expect.stringContaining('Неверный код. Осталась 1 попытка.'),
    ]);
    expect(replies[4]).toContain('Слишком много неверных попыток');
    expect(said(await c.text(right))).toContain('Слишком много неверных попыток');
    h.tick(61_000);
    expect(said(await c.choose('resend'))).toContain('Отправили новый код');
    expect(said(await c.text(h.lastCode(email)))).toContain('Почта подтверждена');
  });

  it('refuses an expired code and says to resend', async () => {
    const h = createFlowHarness(accounts);
    const { c, email } = await registerUpTo(h, 'email_code');
    h.tick(10 * 60_000 + 1);
    expect(said(await c.text(h.lastCode(email)))).toContain('Срок действия кода истёк');
  });

  it('holds a resend back for a minute, then replaces the old code', async () => {
    const h = createFlowHarness(accounts);
    const { c, email } = await registerUpTo(h, 'email_code');
    const first = h.lastCode(email);
    h.tick(20_000);
    const held = await c.choose('resend');
    expect(said(held)).toContain('Новый код можно запросить через 40 с.');
    const refusals = (out: Outbound[]) =>
      out.flatMap((m) => (m.type === 'text' && m.refusal ? [m.text] : []));
    expect(refusals(held)).toEqual([expect.stringContaining('Новый код можно запросить')]);
    h.tick(41_000);
    // A code sent again is news, not a refusal: not shown as an error.
    const resent = await c.choose('resend');
    expect(said(resent)).toContain('Отправили новый код');
    expect(refusals(resent)).toEqual([]);
    const second = h.lastCode(email);
    if (first !== second) expect(said(await c.text(first))).toContain('Неверный код');
    expect(said(await c.text(second))).toContain('Почта подтверждена');
  });

  it('caps codes to one contact at five an hour', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'email_code');
    for (let i = 0; i < 4; i++) {
      h.tick(61_000);
      expect(said(await c.choose('resend'))).toContain('Отправили новый код');
    }
    h.tick(61_000);
    expect(said(await c.choose('resend'))).toMatch(
      /отправлено слишком много кодов\. Попробуйте через \d+ мин\./,
    );
    expect(h.outbox.list()).toHaveLength(5);
  });

  it('caps codes to one mailbox across spellings of it and across conversations', async () => {
    const { email, phone } = freshContacts();
    const spellings = [
      email,
      email.toUpperCase().replace(/@.*/, (d) => d.toLowerCase()),
      email.toLowerCase(),
    ];
    const h = createFlowHarness(accounts);
    for (let i = 0; i < 6; i++) {
      const { c } = await registerUpTo(h, 'confirm', {
        email: spellings[i % spellings.length] ?? email,
        phone: phone.replace(/\d$/, String(i)),
      });
      const answer = said(await c.choose('send'));
      if (i === 5) expect(answer).toMatch(/слишком много кодов/);
    }
    const toMailbox = h.outbox.list().filter((m) => m.to.toLowerCase() === email.toLowerCase());
    expect(toMailbox).toHaveLength(5);
  });

  it('takes a code typed with spaces, and explains a code of the wrong shape', async () => {
    const h = createFlowHarness(accounts);
    const { c, email } = await registerUpTo(h, 'email_code');
    expect(said(await c.text('12345'))).toContain('Код состоит из 6 цифр');
    const code = h.lastCode(email);
    expect(said(await c.text(`${code.slice(0, 3)} ${code.slice(3)}`))).toContain('Почта подтверждена');
  });

  it('tells the customer at once when the gateway refuses the SMS, and lets them resend', async () => {
    const h = createFlowHarness(accounts);
    const { c, email, phone } = await registerUpTo(h, 'email_code');
    const send = h.sms.send;
    h.sms.send = async () => ({ ok: false, error: 'rejected' });
    expect(said(await c.text(h.lastCode(email)))).toContain('Почта подтверждена');
    // The refusal comes as a notice, and the code question is asked again with its buttons.
    expect(said(c.shown().slice(-2))).toContain('Не удалось отправить SMS');
    expect(c.shown().at(-1)).toMatchObject({
      type: 'choices',
      rows: [[{ value: 'resend' }], [{ value: 'change' }]],
    });
    h.sms.send = send;
    h.tick(61_000);
    await c.choose('resend');
    expect(said(await c.text(h.lastCode(phone)))).toContain('личный кабинет создан');
  });

  it('retries an SMS while the gateway is down, and the code arrives once it is back', async () => {
    const h = createFlowHarness(accounts);
    const { c, email, phone } = await registerUpTo(h, 'email_code');
    const send = h.sms.send;
    let failures = 2;
    h.sms.send = async (sms) => (failures-- > 0 ? { ok: false, error: 'unavailable' } : send(sms));
    await c.text(h.lastCode(email));
    expect(failures).toBe(-1);
    expect(said(c.shown())).not.toContain('Не удалось отправить SMS');
    expect(said(await c.text(h.lastCode(phone)))).toContain('личный кабинет создан');
  });

  it('lets the customer change the phone from the SMS step and come back to the echo', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'phone_code');
    expect(question(await c.choose('change'))).toContain('номер мобильного телефона');
    const other = freshContacts().phone;
    expect(question(await c.text(other))).toContain('Проверьте, всё ли верно');
  });
});

describe('/back in the registration', () => {
  const order = registrationFlow.progress ?? [];
  const questions: Record<string, string> = {
    email: 'Введите адрес электронной почты',
    phone: 'Введите номер мобильного телефона',
    password: 'Придумайте пароль',
    password_repeat: 'Повторите пароль',
    consent: 'пользовательским соглашением',
    confirm: 'Проверьте, всё ли верно',
    email_code: 'Мы отправили код из 6 цифр на',
  };
  it.each(order.slice(1).map((step, i) => [step, order[i] as string]))(
    'goes back from %s to %s',
    async (step, previous) => {
      const h = createFlowHarness(accounts);
      const { c } = await registerUpTo(h, step);
      expect(question(await c.text('/back'))).toContain(questions[previous]);
    },
  );

  it('does not go back from the profile into the finished registration', async () => {
    const h = createFlowHarness(accounts);
    const { c, phone } = await registerUpTo(h, 'phone_code');
    await c.text(h.lastCode(phone));
    expect(said(await c.text('/back'))).toContain('Это первый вопрос — назад идти некуда.');
  });

  it('goes back from the first question to the menu', async () => {
    const h = createFlowHarness(accounts);
    const { c } = await registerUpTo(h, 'email');
    expect(question(await c.text('/back'))).toBe('Что вы хотите сделать?');
  });
});
