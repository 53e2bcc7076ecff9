import { describe, expect, it } from 'vitest';
import { toInbound } from '../bots/telegram/inbound';
import { toApiCalls } from '../bots/telegram/outbound';
import { telegramUser } from './support/fake-telegram';

const noFiles = async () => new Uint8Array();

describe('Telegram updates as Inbound', () => {
  const user = telegramUser(42, 'en-US');

  it('leaves commands as text for the engine to read (it knows when "/…" is a password)', () => {
    expect(toInbound(user.text('/Start@kabinet_bot'), noFiles)).toMatchObject({
      type: 'text',
      text: '/Start@kabinet_bot',
      conversationId: 'tg:42',
      localeHint: 'en-US',
    });
  });

  it('reads a tap as a choice with its nonce, and keeps the message id of texts for deletion', () => {
    expect(toInbound(user.tap('7|lang:en'), noFiles)).toMatchObject({
      type: 'choice',
      nonce: '7',
      value: 'lang:en',
    });
    const text = toInbound(user.text('Sunflower42'), noFiles);
    expect(text).toMatchObject({
      type: 'text',
      text: 'Sunflower42',
      messageId: String(user.lastMessageId()),
    });
  });

  it('adds the + Telegram leaves off a shared number, and trusts only the sender’s own contact', () => {
    expect(toInbound(user.contact('79161234567'), noFiles)).toMatchObject({
      phone: '+79161234567',
      ownedBySender: true,
    });
    expect(toInbound(user.contact('+79161234567', 99), noFiles)).toMatchObject({ ownedBySender: false });
    expect(toInbound(user.contact('+79161234567', null), noFiles)).toMatchObject({
      ownedBySender: false,
    });
  });

  it('ignores group chats', () => {
    const update = user.text('hello');
    const message = update.message;
    if (!message) throw new Error('no message');
    const inGroup = {
      ...update,
      message: { ...message, chat: { id: -100, type: 'group' as const, title: 'g' } },
    };
    expect(toInbound(inGroup, noFiles)).toBeNull();
  });

  it('offers the largest photo size as a file, fetched only on demand', async () => {
    let fetched = '';
    const inbound = toInbound(user.photo(), async (id) => {
      fetched = id;
      return new Uint8Array([1]);
    });
    expect(inbound).toMatchObject({ type: 'file', mime: 'image/jpeg', size: 15 });
    expect(fetched).toBe('');
    if (inbound?.type === 'file') await inbound.fetch();
    expect(fetched).toBe('f1');
  });
});

describe('Outbound as Bot API calls', () => {
  it('sends plain text without markup and removes a reply keyboard left from a contact request', () => {
    expect(
      toApiCalls([
        { type: 'text', text: '<b>hi</b>' },
        { type: 'text', text: 'again' },
      ]),
    ).toEqual([
      { method: 'sendMessage', text: '<b>hi</b>', reply_markup: { remove_keyboard: true } },
      { method: 'sendMessage', text: 'again' },
    ]);
  });

  it('puts the nonce into every button’s callback data', () => {
    const [call] = toApiCalls([
      {
        type: 'choices',
        text: 'Pick',
        nonce: '3',
        rows: [
          [
            { value: 'a', label: 'A' },
            { value: 'b', label: 'B' },
          ],
        ],
      },
    ]);
    expect(call).toEqual({
      method: 'sendMessage',
      text: 'Pick',
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'A', callback_data: '3|a' },
            { text: 'B', callback_data: '3|b' },
          ],
        ],
      },
    });
  });

  it('deletes a message and shows typing', () => {
    expect(toApiCalls([{ type: 'delete-message', messageId: '17' }, { type: 'typing' }])).toEqual([
      { method: 'deleteMessage', message_id: 17 },
      { method: 'sendChatAction', action: 'typing' },
    ]);
  });
});
