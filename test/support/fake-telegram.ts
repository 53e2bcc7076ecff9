import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update, UserFromGetMe } from 'grammy/types';

export const TOKEN = '123456789:TEST-token-for-the-fake-bot-api';

export const botInfo: UserFromGetMe = {
  id: 123456789,
  is_bot: true,
  first_name: 'Kabinet',
  username: 'kabinet_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export interface ApiCallRecord {
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: Bot API payloads of every method
  payload: Record<string, any>;
}

/**
 * A Bot API server on loopback, enough for grammY: records every call, answers like Telegram does, can answer
 * 429 with retry_after, serves files for getFile, and queues updates for long polling.
 */
export async function startFakeTelegram() {
  const calls: ApiCallRecord[] = [];
  const pendingUpdates: Update[] = [];
  let messageId = 5000;
  let floods = 0;
  /** Chats answering every send with this error code (403: the customer blocked the bot; 500: a bad day). */
  const failing = new Map<number, number>();
  let delayMs = 0;
  /** Files getFile knows, by file_id; any other id downloads as a few bytes that are no picture. */
  const files = new Map<string, Uint8Array>();

  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const reply = (status: number, json: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const url = request.url ?? '';
      if (url.startsWith(`/file/bot${TOKEN}/`)) {
        const served =
          files.get(url.slice(`/file/bot${TOKEN}/files/`.length)) ?? Buffer.from('fake-jpeg-bytes');
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(served);
        return;
      }
      const match = /^\/bot([^/]+)\/(\w+)/.exec(url);
      if (!match || match[1] !== TOKEN)
        return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = match[2] ?? '';
      const payload = body ? JSON.parse(body) : {};
      if (method !== 'getUpdates') calls.push({ method, payload });
      const failure = failing.get(Number(payload.chat_id));
      if (failure && method === 'sendMessage') {
        calls.pop();
        return reply(failure, {
          ok: false,
          error_code: failure,
          description: failure === 403 ? 'Forbidden: bot was blocked by the user' : 'Internal Server Error',
        });
      }
      if (floods > 0 && method === 'sendMessage') {
        floods--;
        return reply(429, {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests',
          parameters: { retry_after: 1 },
        });
      }
      const ok = (result: unknown) =>
        delayMs > 0 && method !== 'getUpdates'
          ? setTimeout(() => reply(200, { ok: true, result }), delayMs)
          : reply(200, { ok: true, result });
      switch (method) {
        case 'getMe':
          return ok(botInfo);
        case 'sendMessage':
          return ok({
            message_id: ++messageId,
            date: 0,
            chat: { id: payload.chat_id, type: 'private' },
            text: payload.text,
          });
        case 'getWebhookInfo': {
          const set = calls.filter((c) => c.method === 'setWebhook').at(-1)?.payload;
          return ok({ url: set?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
        }
        case 'getFile': {
          const served = files.get(payload.file_id);
          return ok({
            file_id: payload.file_id,
            file_unique_id: 'u1',
            file_size: served?.byteLength ?? 15,
            file_path: `files/${payload.file_id}`,
          });
        }
        case 'getUpdates': {
          const updates = pendingUpdates.splice(0);
          // Long polling: hold an empty answer briefly instead of spinning.
          return setTimeout(() => ok(updates), updates.length ? 0 : 100);
        }
        default:
          return ok(true);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    /** Calls of `method` to one chat. */
    sent: (chatId: number, method = 'sendMessage') =>
      calls.filter((c) => c.method === method && c.payload.chat_id === chatId).map((c) => c.payload),
    floodNext: (count: number) => {
      floods = count;
    },
    /** Answers every send to `chatId` with `status` (null: normal again). */
    failChat: (chatId: number, status: number | null) => {
      if (status === null) failing.delete(chatId);
      else failing.set(chatId, status);
    },
    /** Answers every call after `ms`, like a distant server. */
    slowDown: (ms: number) => {
      delayMs = ms;
    },
    queueForPolling: (update: Update) => pendingUpdates.push(update),
    /** Makes `bytes` downloadable as `fileId` (getFile, then the file URL). */
    serveFile: (fileId: string, bytes: Uint8Array) => files.set(fileId, bytes),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Real-shaped updates from one private chat. */
export function telegramUser(chatId: number, languageCode = 'ru') {
  let updateId = chatId * 1000;
  let messageId = 0;
  const from = { id: chatId, is_bot: false, first_name: 'Анна', language_code: languageCode };
  const chat = { id: chatId, type: 'private' as const, first_name: 'Анна' };
  const message = (extra: object): Update =>
    ({
      update_id: ++updateId,
      message: { message_id: ++messageId, date: 1_790_000_000, chat, from, ...extra },
    }) as Update;
  return {
    text: (text: string) =>
      message(
        text.startsWith('/')
          ? { text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length }] }
          : { text },
      ),
    /** `userId` null: a contact card with no Telegram account behind it. */
    contact: (phone: string, userId: number | null = chatId) =>
      message({ contact: { phone_number: phone, first_name: 'Анна', user_id: userId ?? undefined } }),
    /** A photo as Telegram sends it: several sizes, the largest last. */
    photo: (fileId = 'f1', size = 15) =>
      message({
        photo: [
          {
            file_id: `${fileId}-small`,
            file_unique_id: `${fileId}-s`,
            width: 320,
            height: 240,
            file_size: 2000,
          },
          { file_id: fileId, file_unique_id: `${fileId}-u`, width: 1600, height: 1100, file_size: size },
        ],
      }),
    /** An image sent as a file (a document), with the name and type the phone gave it. */
    document: (fileId: string, size: number, fileName = 'scan.jpg', mimeType = 'image/jpeg') =>
      message({
        document: {
          file_id: fileId,
          file_unique_id: `${fileId}-u`,
          file_name: fileName,
          mime_type: mimeType,
          file_size: size,
        },
      }),
    tap: (data: string): Update =>
      ({
        update_id: ++updateId,
        callback_query: {
          id: `cb${updateId}`,
          from,
          chat_instance: 'ci',
          data,
          message: { message_id: 1, date: 1_790_000_000, chat, text: '…' },
        },
      }) as Update,
    lastMessageId: () => messageId,
  };
}

/** The callback data of the button labelled `label` on the newest of `sent` (sendMessage payloads) that has it. */
export function buttonData(sent: ApiCallRecord['payload'][], label: string): string {
  const button = sent
    .flatMap((payload) => (payload.reply_markup?.inline_keyboard ?? []).flat())
    .reverse()
    .find((b: { text: string }) => b.text === label) as { callback_data: string } | undefined;
  if (!button) throw new Error(`no button "${label}"`);
  return button.callback_data;
}
