import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InboundBody } from '../core/messages';
import { presets } from '../core/presets';
import { createFieldCipher } from '../db/field-cipher';
import { createMemoryFileStore } from '../db/files/memory-file-store';
import { importPolicies } from '../db/policy-import';
import { completeTestProfile } from './contracts/account-repository.contract';
import { createFlowHarness, question, said, useTestRecords } from './support/flow-harness';
import { blurredPhoto, documentPhoto } from './support/images';

const records = useTestRecords();
let unique = 0;

/** A photo as a channel hands it over: the bytes fetched only when the step wants them. */
const photo = (bytes: Uint8Array, name = 'photo.jpg'): InboundBody => ({
  type: 'file',
  name,
  mime: 'image/jpeg',
  size: bytes.byteLength,
  fetch: async () => bytes,
});

/** A harness whose identity cases live on the test's records, and a customer signed in to a new account. */
async function signedInCustomer(options: { profile?: boolean } = {}) {
  const files = createMemoryFileStore();
  const h = createFlowHarness(records.accounts, presets.soglasie, { cases: records.casesWith, files });
  const email = `id.${++unique}.${Date.now()}@example.ru`;
  const created = await records.accounts.createAccount({
    email,
    phone: `+7916${String(Date.now() % 10_000_000).padStart(7, '0')}`,
    passwordHash: await h.services.passwords.hash('Sunflower42'),
    consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
    contactsVerifiedAt: new Date(),
    actor: 'test',
  });
  if (!created.ok) throw new Error(created.error);
  const account = created.value.id;
  if (options.profile !== false) {
    await completeTestProfile(records.accounts, account);
  }
  const c = h.customer();
  await c.open();
  await c.text('/login');
  await c.text(email);
  await c.text('Sunflower42');
  return { h, c, account, files, email };
}

/** From the menu through "My account" into the profile, answered up to the document's number. */
async function toDocumentStep(c: ReturnType<ReturnType<typeof createFlowHarness>['customer']>) {
  await c.choose('my_account');
  await c.choose('profile');
  await c.text('Иванова');
  await c.text('Анна');
  await c.choose('none');
  await c.text('05.03.1985');
  await c.choose('female');
  await c.choose('ru_passport');
}

describe('identity confirmation, the customer side', () => {
  it('asks a guest to sign in or register first, with buttons that go there', async () => {
    const h = createFlowHarness(records.accounts, presets.soglasie, { cases: records.casesWith });
    const c = h.customer();
    await c.open();
    const out = await c.choose('confirm_identity');
    expect(question(out)).toContain('сначала войдите в кабинет или зарегистрируйтесь');
    expect(question(await c.choose('sign_in'))).toContain('Введите e-mail или номер мобильного телефона');
  });

  it('asks for the profile first when it is not complete', async () => {
    const { c } = await signedInCustomer({ profile: false });
    expect(question(await c.choose('confirm_identity'))).toContain('Сначала заполните профиль');
    expect(question(await c.choose('profile'))).toContain('Фамилия');
  });

  it('walks the three pictures with checks, a summary to replace one, and "Send" with the promised answer', async () => {
    const { c, files } = await signedInCustomer();
    expect(question(await c.choose('confirm_identity'))).toContain('Селфи с паспортом');
    const mainAsked = question(await c.choose('begin'));
    expect(mainAsked).toContain('Главная страница паспорта');
    expect(mainAsked).toContain('без бликов');

    // Anything but a picture gets the reason and the same question.
    expect(said(await c.text('вот'))).toContain('Здесь нужна фотография');
    const pdf = new TextEncoder().encode('%PDF-1.4 passport.jpg');
    expect(said(await c.send(photo(pdf, 'passport.jpg')))).toContain('Это не изображение');
    expect(said(await c.send(photo(await documentPhoto(11, 400, 300))))).toContain('слишком маленький');

    const main = await documentPhoto(11);
    expect(question(await c.send(photo(main)))).toContain('Селфи с паспортом');
    // The same picture again, re-encoded, for another image.
    expect(said(await c.send(photo(main)))).toContain('уже отправлен для другой страницы');
    expect(question(await c.send(photo(await documentPhoto(12))))).toContain('Последняя страница паспорта');

    // Blurred: refused twice with advice, then taken with a note for the reviewer.
    const blurred = await blurredPhoto(13);
    expect(said(await c.send(photo(blurred)))).toContain('Снимок размыт');
    expect(said(await c.send(photo(blurred)))).toContain('Снимок размыт');
    const summary = await c.send(photo(blurred));
    expect(question(summary)).toContain('Проверьте фотографии перед отправкой');
    expect(question(summary)).toContain('✓ (нечётко) Последняя страница паспорта');
    const previews = summary.find((m) => m.type === 'previews');
    expect(previews?.type === 'previews' && previews.images.length).toBe(3);

    // Replacing the selfie: the old files are gone, the summary comes back.
    const oldSelfie = previews?.type === 'previews' ? previews.images[1]?.id : undefined;
    expect(oldSelfie && (await files.get(oldSelfie))).toBeTruthy();
    expect(question(await c.choose('replace_selfie'))).toContain('Селфи с паспортом');
    expect(question(await c.send(photo(await documentPhoto(14))))).toContain('Проверьте фотографии');
    expect(oldSelfie && (await files.get(oldSelfie))).toBeNull();

    const sent = said(await c.choose('send'));
    expect(sent).toContain('Ваша заявка рассматривается, ответ будет дан в течение суток.');
    // Coming back: the case under review is named, not started again.
    expect(question(await c.choose('confirm_identity'))).toContain(
      'Ваша заявка рассматривается, ответ будет дан до',
    );
  });

  it('keeps no image bytes in conversation state, only file ids', async () => {
    const { h, c } = await signedInCustomer();
    await c.choose('confirm_identity');
    await c.choose('begin');
    await c.send(photo(await documentPhoto(21)));
    const state = await h.store.get(`conv:${c.conversationId}`);
    expect(state?.value.length ?? 0).toBeLessThan(4000);
    expect(state?.value).not.toContain('/9j/'); // a JPEG in base64
  });
});

describe('identity decisions reach the customer', () => {
  async function submitted() {
    const customer = await signedInCustomer();
    const { c } = customer;
    await c.choose('confirm_identity');
    await c.choose('begin');
    for (const seed of [31, 32, 33]) await c.send(photo(await documentPhoto(seed + unique * 10)));
    await c.choose('send');
    const found = await records.cases.latestCase(customer.account);
    if (!found) throw new Error('no case');
    return { ...customer, caseId: found.id };
  }

  it('asks for one image again: the customer is taken to that image only, then sends again', async () => {
    const { h, c, caseId, account } = await submitted();
    const asked = await h.review.decide(
      caseId,
      { status: 'submitted' },
      { type: 'ask_again', image: 'selfie', reason: 'face_not_visible' },
      'U-anna',
    );
    expect(asked.ok).toBe(true);
    await h.queue.settled();
    const shown = said(c.shown());
    expect(shown).toContain(
      'Проверяющий просит прислать заново: Селфи с паспортом. Причина: на селфи не видно лица или паспорта.',
    );
    expect(question(await c.choose('begin'))).toContain('Селфи с паспортом');
    const summary = question(await c.send(photo(await documentPhoto(40 + unique))));
    expect(summary).toContain('Проверьте фотографии');
    expect(summary).not.toContain('Заменить главную страницу');
    expect(said(await c.choose('send'))).toContain('Ваша заявка рассматривается');
    expect((await records.cases.latestCase(account))?.status).toBe('submitted');
  });

  it('does not approve a case whose profile document changed after it was sent', async () => {
    const { h, caseId, account } = await submitted();
    // A save that raced "Send" from another chat: the profile no longer names the document the case was sent with.
    await records.accounts.saveDocument(
      account,
      { type: 'ru_passport', series: '4010', number: '999999' },
      'test',
    );
    expect(await h.review.decide(caseId, { status: 'submitted' }, { type: 'approve' }, 'U-anna')).toEqual({
      ok: false,
      error: 'profile_changed',
    });
    expect((await records.cases.latestCase(account))?.status).toBe('submitted');
    expect(
      (
        await h.review.decide(
          caseId,
          { status: 'submitted' },
          { type: 'reject', reason: 'not_matching_profile' },
          'U-anna',
        )
      ).ok,
    ).toBe(true);
  });

  it('approves once even when two reviewers decide at once, and tells the customer once', async () => {
    const { h, c, caseId, account } = await submitted();
    const [first, second] = await Promise.all([
      h.review.decide(caseId, { status: 'submitted' }, { type: 'approve' }, 'U-anna'),
      h.review.decide(caseId, { status: 'submitted' }, { type: 'reject', reason: 'unreadable' }, 'U-boris'),
    ]);
    expect([first.ok, second.ok].filter(Boolean)).toHaveLength(1);
    await h.queue.settled();
    const told = c.shown().filter((m) => 'text' in m && m.text.includes('Ваша личность подтверждена'));
    const rejected = c.shown().filter((m) => 'text' in m && m.text.includes('отклонена'));
    expect(told.length + rejected.length).toBe(1);
    const status = (await records.cases.latestCase(account))?.status;
    expect(status === 'approved' ? told.length : rejected.length).toBe(1);
    expect(question(await c.text('/start').then(() => c.choose('my_account')))).toContain(
      status === 'approved' ? 'Личность: подтверждена' : 'заявка отклонена',
    );
  });

  it('links the policies of the document the case was sent with, and keeps the profile still while it is reviewed', async () => {
    // Chat A stops in the profile at the document; chat B of the same account fills it in and sends a case.
    const { h, c: chatA, account, email } = await signedInCustomer({ profile: false });
    await toDocumentStep(chatA);
    const chatB = h.customer();
    await chatB.open();
    await chatB.text('/login');
    await chatB.text(email);
    await chatB.text('Sunflower42');
    await toDocumentStep(chatB);
    await chatB.text('45 10 123456');
    await chatB.choose('save');
    await chatB.choose('confirm_identity');
    await chatB.choose('begin');
    for (const seed of [51, 52, 53]) await chatB.send(photo(await documentPhoto(seed + unique * 10)));
    expect(said(await chatB.choose('send'))).toContain('Ваша заявка рассматривается');

    const suffix = `${Date.now().toString(36)}${unique}`;
    await importPolicies(
      Readable.from([
        Buffer.from(
          [
            'number,product,starts_on,ends_on,email,phone,document_type,document_number',
            `D-${suffix},КАСКО,2026-01-01,2099-12-31,other.${suffix}@example.ru,,ru_passport,4510 123456`,
            `X-${suffix},ОСАГО,2026-01-01,2099-12-31,stranger.${suffix}@example.ru,,ru_passport,4010 999999`,
          ].join('\n'),
        ),
      ]),
      {
        db: records.database().db,
        cipher: createFieldCipher(new Uint8Array(32).fill(3)),
        preset: presets.soglasie,
        source: 't.csv',
      },
    );
    // Chat A cannot switch the profile to someone else's document while a reviewer compares it.
    expect(said(await chatA.text('40 10 999999'))).toContain('профиль можно будет изменить после решения');
    const found = await records.cases.latestCase(account);
    if (!found) throw new Error('no case');
    expect((await h.review.decide(found.id, { status: 'submitted' }, { type: 'approve' }, 'U-anna')).ok).toBe(
      true,
    );
    const linked = (await records.accounts.policiesOf(account)).map((p) => [p.number, p.matchedBy]);
    expect(linked).toEqual([[`D-${suffix}`, 'document']]);
    await h.queue.settled();
    // The decision is told in chat B, which sent the case, not in chat A, which opened nothing.
    expect(said(chatB.shown())).toContain('Ваша личность подтверждена');
    expect(said(chatA.shown())).not.toContain('Ваша личность подтверждена');
    expect(question(await chatB.text('/start').then(() => chatB.choose('my_account')))).toContain(
      `D-${suffix}`,
    );
  });
});
