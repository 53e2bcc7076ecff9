import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from 'grammy/types';
import type { Outbound } from '../../core/messages';
import { encodeCallback } from './inbound';

/** One Bot API call, as data: rendering stays pure and testable, and the caller decides how to send. */
export type ApiCall =
  | {
      method: 'sendMessage';
      text: string;
      reply_markup?: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove;
    }
  | { method: 'sendChatAction'; action: 'typing' }
  | { method: 'deleteMessage'; message_id: number };

/**
 * Renders replies as Bot API calls for one chat. Buttons become an inline keyboard; a contact request a reply
 * keyboard with Telegram's "share my number" button, removed with the next plain message of a later reply.
 * Text goes without parse_mode: nothing a customer typed can turn into markup.
 */
export function toApiCalls(messages: Outbound[]): ApiCall[] {
  const asksForContact = messages.some((m) => m.type === 'contact-request');
  let keyboardRemoved = asksForContact;
  return messages.flatMap((message): ApiCall[] => {
    switch (message.type) {
      case 'text':
      case 'file-request': {
        if (keyboardRemoved) return [{ method: 'sendMessage', text: message.text }];
        keyboardRemoved = true;
        return [{ method: 'sendMessage', text: message.text, reply_markup: { remove_keyboard: true } }];
      }
      case 'choices':
        return [
          {
            method: 'sendMessage',
            text: message.text,
            reply_markup: {
              inline_keyboard: message.rows.map((row) =>
                row.map((option) => ({
                  text: option.label,
                  callback_data: encodeCallback(message.nonce, option.value),
                })),
              ),
            },
          },
        ];
      case 'contact-request':
        return [
          {
            method: 'sendMessage',
            text: message.text,
            reply_markup: {
              keyboard: [[{ text: message.button, request_contact: true }]],
              resize_keyboard: true,
              one_time_keyboard: true,
            },
          },
        ];
      case 'typing':
        return [{ method: 'sendChatAction', action: 'typing' }];
      case 'previews': // Telegram's question lists the pictures instead; the customer has them in the chat
        return [];
      default:
        return [{ method: 'deleteMessage', message_id: Number(message.messageId) }];
    }
  });
}
