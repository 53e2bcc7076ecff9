import type { Update } from 'grammy/types';
import type { Inbound } from '../../core/messages';

/** Telegram lets bots download files up to 20 MB (getFile). Bytes. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** Fetches a file's bytes by its Telegram file_id (getFile, then the file URL); 'too_large' past the limit. */
export type FileFetcher = (fileId: string) => Promise<Uint8Array | 'too_large'>;

/** Telegram's private chats are conversations named `tg:<chat id>`. */
export const telegramConversation = (chatId: number) => `tg:${chatId}`;
export const chatIdOf = (conversationId: string) => Number(conversationId.slice('tg:'.length));

/** A tapped inline button carries `<nonce>|<value>` (Telegram allows 64 bytes of callback data). */
export const encodeCallback = (nonce: string, value: string): string => `${nonce}|${value}`;

/** Whether an update brings a customer's file (a photo or a document), whose handling needs the image pipeline. */
export const carriesFile = (update: Update): boolean =>
  Boolean(update.message?.photo || update.message?.document);

/**
 * An update as the engine's Inbound, or null for what Kabinet does not handle (group chats, edits, stickers).
 * Pure but for `fetchFile`, which runs only when a step asks for the bytes.
 */
export function toInbound(update: Update, fetchFile: FileFetcher): Inbound | null {
  const eventId = String(update.update_id);
  const callback = update.callback_query;
  if (callback) {
    const chat = callback.message?.chat;
    if (chat?.type !== 'private' || !callback.data) return null;
    const split = callback.data.indexOf('|');
    return {
      type: 'choice',
      nonce: split >= 0 ? callback.data.slice(0, split) : undefined,
      value: split >= 0 ? callback.data.slice(split + 1) : callback.data,
      conversationId: telegramConversation(chat.id),
      channel: 'tg',
      eventId,
      order: update.update_id,
      client: `tg-user:${callback.from.id}`,
      localeHint: callback.from.language_code,
    };
  }

  const message = update.message;
  if (message?.chat.type !== 'private') return null;
  const base = {
    conversationId: telegramConversation(message.chat.id),
    channel: 'tg' as const,
    eventId,
    order: update.update_id,
    messageId: String(message.message_id),
    client: message.from ? `tg-user:${message.from.id}` : undefined,
    localeHint: message.from?.language_code,
  };
  // Commands stay text: the engine reads them, and knows when "/…" is a password rather than a command.
  if (message.text !== undefined) return { ...base, type: 'text', text: message.text };
  if (message.contact) {
    const phone = message.contact.phone_number;
    return {
      ...base,
      type: 'contact',
      // Telegram sends the number without "+" on most clients.
      phone: phone.startsWith('+') ? phone : `+${phone}`,
      // Only a contact that is the sender's own proves the number belongs to this Telegram account.
      ownedBySender: message.contact.user_id !== undefined && message.contact.user_id === message.from?.id,
    };
  }
  const photo = message.photo?.at(-1); // the largest size
  if (photo) {
    return {
      ...base,
      type: 'file',
      name: `photo-${photo.file_unique_id}.jpg`,
      mime: 'image/jpeg',
      size: photo.file_size ?? 0,
      fetch: () => fetchFile(photo.file_id),
    };
  }
  const document = message.document;
  if (document) {
    return {
      ...base,
      type: 'file',
      name: document.file_name ?? `document-${document.file_unique_id}`,
      mime: document.mime_type ?? 'application/octet-stream',
      size: document.file_size ?? 0,
      fetch: () => fetchFile(document.file_id),
    };
  }
  // Anything else (a sticker, a voice message) reads as text the current question did not expect.
  return { ...base, type: 'text', text: message.caption ?? '' };
}
