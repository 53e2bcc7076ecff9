import { describe, expect, it } from 'vitest';
import { createFlowHarness, freshContacts, question, said, useTestRecords } from './support/flow-harness';

const records = useTestRecords();
const { accounts } = records;

/** A registered customer, standing at the profile's first question. */
async function registeredCustomer(h: ReturnType<typeof createFlowHarness>) {
  const c = h.customer();
  const { email, phone } = freshContacts();
  await c.open();
  await c.choose('register');
  await c.text(email);
  await c.text(phone);
  await c.text('Sunflower42');
  await c.text('Sunflower42');
  await c.choose('agree');
  await c.choose('send');
  await c.text(h.lastCode(email.replace(/@.*/, (d) => d.toLowerCase())));
  const phoneTo = h.outbox.list()[0]?.to ?? '';
  const out = await c.text(h.lastCode(phoneTo));
  expect(question(out)).toContain('Фамилия');
  return { c, email: email.replace(/@.*/, (d) => d.toLowerCase()) };
}

async function fillProfile(c: Awaited<ReturnType<typeof registeredCustomer>>['c']) {
  await c.text('Иванова');
  await c.text('Анна-Мария');
  await c.choose('none');
  await c.text('05.03.1985');
  await c.choose('female');
  await c.choose('ru_passport');
  return c.text('45 10 123456');
}

describe('profile (Soglasie)', () => {
  it('collects every field and shows a summary with the document masked', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    const summary = question(await fillProfile(c));
    expect(summary).toContain('Шаг 16 из 16'); // registration and profile are one journey
    expect(summary).toContain(
      'Фамилия: Иванова\nИмя: Анна-Мария\nОтчество: нет\nДата рождения: 05.03.1985\nПол: Женский',
    );
    expect(summary).toContain('Документ: Паспорт гражданина РФ, 45** ***456');
    expect(summary).not.toContain('123456');
  });

  it('keeps the document out of conversation state and completes the profile on save', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c, email } = await registeredCustomer(h);
    await fillProfile(c);
    const state = (await h.store.get(`conv:${c.conversationId}`))?.value ?? '';
    expect(state).not.toContain('123456');
    const out = await c.choose('save');
    expect(said(out)).toContain('Профиль сохранён');
    expect(question(out)).toBe('Что вы хотите сделать?');
    const account = await accounts.findByContact('email', email);
    expect(await accounts.overview(account?.id ?? '')).toMatchObject({
      profileComplete: true,
      document: { type: 'ru_passport', masked: '45** ***456' },
    });
  });

  it('lets a field be corrected from the summary and returns to it', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    await fillProfile(c);
    await c.choose('edit');
    expect(question(await c.choose('birth_date'))).toContain('Дата рождения в формате ДД.ММ.ГГГГ');
    const summary = question(await c.text('6.3.1985'));
    expect(summary).toContain('Дата рождения: 06.03.1985');
    await c.choose('edit');
    await c.choose('document_type');
    await c.choose('foreign_passport');
    expect(question(await c.text('ab 1234567'))).toContain(
      'Документ: Паспорт иностранного гражданина, ******567',
    );
  });

  it.each([
    ['1985-03-05', 'Не понял дату'],
    ['31.02.1990', 'Такой даты нет в календаре'],
    ['01.01.2030', 'Дата рождения не может быть в будущем'],
    ['01.01.2020', 'Личный кабинет доступен с 14 лет'],
    ['01.01.1890', 'получается больше 120 лет'],
  ])('refuses the birth date %s: %s', async (typed, reason) => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    await c.text('Иванова');
    await c.text('Анна');
    await c.text('Сергеевна');
    const out = await c.text(typed);
    expect(said(out)).toContain(reason);
    expect(question(out)).toContain('Дата рождения в формате');
  });

  it.each([
    ['ru_passport', '4510 12345', 'серию (4 цифры) и номер (6 цифр)'],
    ['ru_passport', '45 10 1234567', 'серию (4 цифры) и номер (6 цифр)'],
    ['ru_international', '751234567 8', 'серию (2 цифры) и номер (7 цифр)'],
    ['foreign_passport', 'АБ 123', 'номер (от 5 до 20 латинских букв и цифр)'],
  ])('refuses %s "%s" with the format of that document', async (type, typed, format) => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    for (const answer of ['Иванова', 'Анна', 'Сергеевна', '05.03.1985']) await c.text(answer);
    await c.choose('female');
    await c.choose(type);
    const out = await c.text(typed);
    expect(said(out)).toContain(`Не получилось прочитать: введите ${format}`);
  });

  it('asks before /cancel drops a profile whose summary was shown, and keeps every answer on "continue"', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c, email } = await registeredCustomer(h);
    await fillProfile(c);
    const asked = await c.text('/cancel');
    expect(question(asked)).toBe('Ответы, которые ещё не сохранены, пропадут. Отменить и вернуться в меню?');
    const kept = await c.choose('cancel:keep');
    expect(said(kept)).toContain('Хорошо, продолжаем.');
    expect(question(kept)).toContain('Фамилия: Иванова\nИмя: Анна-Мария');
    // The confirmation's buttons are spent: a late "Yes, cancel" (still on screen in Telegram) drops nothing.
    const confirmation = asked.at(-1);
    const spent = confirmation?.type === 'choices' ? confirmation.nonce : undefined;
    const late = await c.send({ type: 'choice', value: 'cancel:discard', nonce: spent });
    expect(said(late)).toContain('устарел');
    expect(question(late)).toContain('Фамилия: Иванова');
    // Correcting a field from the summary: the other answers are still there to lose.
    await c.choose('edit');
    await c.choose('surname');
    expect(question(await c.text('/cancel'))).toContain('Отменить и вернуться в меню?');
    const dropped = await c.choose('cancel:discard');
    expect(said(dropped)).toContain('Хорошо, отменил.');
    expect(question(dropped)).toBe('Что вы хотите сделать?');
    // The profile was never saved: My account still says so.
    const account = await accounts.findByContact('email', email);
    expect(await accounts.overview(account?.id ?? '')).toMatchObject({ profileComplete: false });
  });

  it('cancels at once before the summary, where nothing much is lost', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    await c.text('Иванова');
    const out = await c.text('/cancel');
    expect(said(out)).toContain('Хорошо, отменил.');
    expect(question(out)).toBe('Что вы хотите сделать?');
  });

  it('refuses a name with digits or symbols', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    expect(said(await c.text('Ivanov2'))).toContain('Используйте буквы, пробел, дефис или апостроф');
    expect(question(await c.text("O'Brien"))).toContain('Имя');
  });

  it('says in My account that functions are limited until the profile is complete', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const { c } = await registeredCustomer(h);
    await c.text('/cancel');
    const limited = question(await c.choose('my_account'));
    expect(limited).toContain('Профиль: не заполнен — функции кабинета ограничены');
    expect(limited).toContain('Полисы: покажем, когда профиль будет заполнен');
    // Started from the menu, the profile is a journey of its own: its steps alone are counted.
    expect(question(await c.choose('profile'))).toBe(
      'Шаг 1 из 8\nФамилия — как в документе, удостоверяющем личность.',
    );
    await fillProfile(c);
    await c.choose('save');
    const complete = question(await c.choose('my_account'));
    expect(complete).toContain('Профиль: заполнен');
  });

  it('offers a guest registration and sign-in, and My account only once signed in', async () => {
    const h = createFlowHarness(accounts, undefined, { cases: records.casesWith });
    const c = h.customer();
    const menu = (await c.open()).at(-1);
    const values = menu?.type === 'choices' ? menu.rows.flat().map((o) => o.value) : [];
    expect(values).toEqual(expect.arrayContaining(['register', 'sign_in', 'forgot_password']));
    expect(values).not.toContain('my_account');
  });
});
