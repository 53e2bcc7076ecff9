import type { Update } from 'grammy/types';
import { expect } from 'vitest';
import type { ChatMessage } from '../../web/chat/inbox';
import type { Kabinet } from '../../web/kabinet';
import { type startFakeTelegram, telegramUser } from './fake-telegram';
import { documentPhoto } from './images';

let n = 0;

/** An account with a complete profile, as registration and the profile flow leave it; signs in with Sunflower42. */
export async function customerAccount(kabinet: Kabinet) {
  const { accounts, passwords } = kabinet.services;
  const email = `kyc.${++n}.${Date.now()}@example.ru`;
  const created = await accounts.createAccount({
    email,
    phone: `+7916${String((Date.now() + n) % 10_000_000).padStart(7, '0')}`,
    passwordHash: await passwords.hash('Sunflower42'),
    consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
    contactsVerifiedAt: new Date(),
    actor: 'test',
  });
  if (!created.ok) throw new Error(created.error);
  const id = created.value.id;
  await accounts.saveDocument(id, { type: 'ru_passport', series: '4510', number: '654321' }, 'test');
  await accounts.completeProfile(
    id,
    { surname: 'Петрова', givenName: 'Ольга', patronymic: null, birthDate: '1990-01-02', sex: 'female' },
    'test',
  );
  return { email, id };
}

/** A Telegram customer: posts updates to the webhook and reads what the fake Bot API was sent. */
export function telegramCustomer(
  kabinet: Kabinet,
  fake: Awaited<ReturnType<typeof startFakeTelegram>>,
  secret: string,
) {
  const chatId = 8_100_000 + Math.floor(Math.random() * 100_000);
  const user = telegramUser(chatId);
  const post = async (update: Update) => {
    const response = await kabinet.app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });
    expect(response.status).toBe(200);
    await kabinet.settled();
  };
  const sent = () => fake.sent(chatId).map((p) => String(p.text));
  const tap = async (label: string) => {
    const button = fake
      .sent(chatId)
      .flatMap(
        (p) => (p.reply_markup?.inline_keyboard ?? []).flat() as { text: string; callback_data: string }[],
      )
      .reverse()
      .find((b) => b.text === label);
    if (!button) throw new Error(`no button "${label}" in ${sent().join(' | ')}`);
    await post(user.tap(button.callback_data));
  };
  /** Signed in to a new account with a complete profile, at the first picture. */
  const atFirstPicture = async () => {
    const account = await customerAccount(kabinet);
    await post(user.text('/start'));
    await post(user.text('/login'));
    await post(user.text(account.email));
    await post(user.text('Sunflower42'));
    await tap('Подтвердить личность');
    await tap('Дополнить заявку');
    expect(sent().at(-1)).toContain('Главная страница паспорта');
    return account;
  };
  /** Three photos through getFile (the selfie as a file, the pages as photos), seeded `seeds`. */
  const sendPhotos = async (seeds: number[]) => {
    for (const [i, seed] of seeds.entries()) {
      const bytes = await documentPhoto(seed);
      const fileId = `kyc-${chatId}-${seed}`;
      fake.serveFile(fileId, bytes);
      await post(
        i === 1
          ? user.document(fileId, bytes.byteLength, 'IMG_0001.JPG')
          : user.photo(fileId, bytes.byteLength),
      );
    }
  };
  return { chatId, user, post, sent, tap, atFirstPicture, sendPhotos };
}

/** A web chat page: its cookie, message ids, and the nonce of the newest buttons. */
export function webCustomer(kabinet: Kabinet) {
  let cookie = '';
  let nonce: string | undefined;
  let id = 0;
  let last = 0;
  const remember = (messages: ChatMessage[]) => {
    for (const m of messages) {
      if (m.type === 'choices') nonce = m.nonce;
      last = Math.max(last, m.seq);
    }
    return messages;
  };
  const textOf = (messages: ChatMessage[]) => messages.map((m) => ('text' in m ? m.text : '')).join('\n');
  async function post(body: Record<string, unknown>) {
    const response = await kabinet.app.request('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ id: `m-${++id}`, body }),
    });
    cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    expect(response.status).toBe(200);
    return remember(((await response.json()) as { messages: ChatMessage[] }).messages);
  }
  async function upload(bytes: Uint8Array, name = 'passport.jpg') {
    const form = new FormData();
    form.append('id', `u-${++id}`);
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), name);
    const response = await kabinet.app.request('/chat/upload', {
      method: 'POST',
      headers: { cookie, 'x-kabinet-upload': '1' },
      body: form,
    });
    expect(response.status).toBe(200);
    return remember(((await response.json()) as { messages: ChatMessage[] }).messages);
  }
  async function updates() {
    const response = await kabinet.app.request(`/chat/updates?after=${last}`, { headers: { cookie } });
    return remember(((await response.json()) as { messages: ChatMessage[] }).messages);
  }
  const say = async (text: string) => textOf(await post({ type: 'text', text }));
  return {
    say,
    tap: async (value: string) => textOf(await post({ type: 'choice', value, nonce })),
    open: () => post({ type: 'open' }),
    upload,
    uploadText: async (bytes: Uint8Array, name?: string) => textOf(await upload(bytes, name)),
    updates: async () => textOf(await updates()),
    get: (path: string) => kabinet.app.request(path, { headers: { cookie } }),
    cookie: () => cookie,
    /** Opens the chat and signs in to a new account with a complete profile. */
    async signIn() {
      const account = await customerAccount(kabinet);
      await post({ type: 'open' });
      await say('/login');
      await say(account.email);
      await say('Sunflower42');
      return account;
    },
  };
}

/** Decides the newest waiting case on the local review page, as an operator's browser would. */
export async function decideOnReviewPage(kabinet: Kabinet, fields: Record<string, string>) {
  const path = kabinet.reviewPath;
  if (!path) throw new Error('the review page is off');
  const page = await (await kabinet.app.request(path)).text();
  const action = /action="([^"]*\/cases\/[^"]+)"/.exec(page)?.[1];
  const seen = /name="seen" value="(\w+)"/.exec(page)?.[1];
  const version = /name="version" value="(\d+)"/.exec(page)?.[1];
  if (!action || !seen || !version) throw new Error(`no case on the review page: ${page.slice(0, 300)}`);
  const images = [...page.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1] ?? '');
  const response = await kabinet.app.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ seen, version, ...fields }).toString(),
  });
  expect(response.status).toBe(303);
  const said = decodeURIComponent(response.headers.get('location')?.split('said=')[1] ?? '');
  await kabinet.settled();
  /** The same form posted again from the page as it was (stale by now), deciding `again`. */
  const repost = async (again: Record<string, string>) => {
    const stale = await kabinet.app.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ seen, version, ...again }).toString(),
    });
    return decodeURIComponent(stale.headers.get('location')?.split('said=')[1] ?? '');
  };
  return { said, images, repost };
}
