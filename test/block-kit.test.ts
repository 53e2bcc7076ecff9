import { describe, expect, it } from 'vitest';
import { blockKitProblems } from './support/block-kit';

const plain = (text: string) => ({ type: 'plain_text', text });
const button = (text: string, extra: object = {}) => ({
  type: 'button',
  text: plain(text),
  action_id: 'approve',
  ...extra,
});

describe('blockKitProblems', () => {
  it('accepts a valid review message', () => {
    const blocks = [
      { type: 'header', text: plain('Новая заявка') },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Анна*, полис 123' },
        fields: [plain('Телефон'), plain('+7 900 000-00-00')],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'из Telegram' }] },
      {
        type: 'actions',
        block_id: 'review',
        elements: [
          button('Принять', { style: 'primary', value: 'case-1' }),
          button('Отклонить', {
            action_id: 'reject',
            style: 'danger',
            confirm: {
              title: plain('Точно?'),
              text: plain('Клиент получит отказ'),
              confirm: plain('Да'),
              deny: plain('Нет'),
            },
          }),
        ],
      },
    ];
    expect(blockKitProblems('message', { blocks, text: 'Новая заявка' })).toEqual([]);
  });

  it('accepts a valid modal', () => {
    const modal = {
      title: plain('Причина отказа'),
      submit: plain('Отправить'),
      close: plain('Отмена'),
      callback_id: 'reject',
      private_metadata: JSON.stringify({ caseId: 'case-1' }),
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: plain('Причина'),
          element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 500 },
        },
        {
          type: 'input',
          block_id: 'kind',
          label: plain('Тип'),
          element: {
            type: 'static_select',
            action_id: 'kind',
            options: [{ text: plain('Нечитаемый скан'), value: 'blurry' }],
          },
        },
      ],
    };
    expect(blockKitProblems('modal', modal)).toEqual([]);
  });

  it('catches button text over 75 characters and a made-up style', () => {
    const blocks = [{ type: 'actions', elements: [button('x'.repeat(76), { style: 'success' })] }];
    expect(blockKitProblems('message', { blocks })).toEqual([
      'blocks[0].elements[0].text.text: 76 characters, over the limit of 75',
      'blocks[0].elements[0].style: "success" is not a style; use primary, danger or leave it out',
    ]);
  });

  it('catches 51 blocks in a message but allows them in a modal', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(blockKitProblems('message', { blocks })).toEqual(['blocks: 51 items, over the limit of 50']);
    expect(blockKitProblems('modal', { blocks, title: plain('Заявка') })).toEqual([]);
  });

  it('catches an input block in a message', () => {
    const blocks = [{ type: 'input', label: plain('Причина'), element: { type: 'plain_text_input' } }];
    expect(blockKitProblems('message', { blocks })).toEqual([
      'blocks[0]: input blocks belong in modals and Home tabs, not messages',
    ]);
  });

  it('catches mrkdwn where plain_text is required, duplicates and unknown types', () => {
    const blocks = [
      { type: 'header', block_id: 'a', text: { type: 'mrkdwn', text: '*Заявка*' } },
      { type: 'actions', block_id: 'a', elements: [button('Да'), button('Нет')] },
      { type: 'sectoin', text: plain('опечатка') },
    ];
    expect(blockKitProblems('message', { blocks })).toEqual([
      'blocks[0].text.type: must be plain_text here, not mrkdwn',
      'blocks[1].block_id: "a" is used twice',
      'blocks[1].elements[1].action_id: "approve" is used twice',
      'blocks[2]: unknown block type "sectoin"',
    ]);
  });

  it('checks the modal frame: title length, submit with inputs, metadata size', () => {
    const blocks = [{ type: 'input', label: plain('Причина'), element: { type: 'plain_text_input' } }];
    expect(
      blockKitProblems('modal', {
        blocks,
        title: plain('Очень длинный заголовок окна'),
        private_metadata: 'x'.repeat(3001),
      }),
    ).toEqual([
      'title.text: 28 characters, over the limit of 24',
      'submit: a modal with input blocks needs a submit button',
      'private_metadata: 3001 characters, over the limit of 3000',
    ]);
  });
});
