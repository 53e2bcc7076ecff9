import { z } from 'zod';

/**
 * The fields of an update Kabinet reads (bots/telegram/inbound.ts), as Telegram documents them. An update that
 * does not fit is a poison: no retry will ever handle it, so it is logged and dropped, never answered with an
 * error (which Telegram would resend for a day). Fields Kabinet does not read are let through as they are.
 */
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const user = z.looseObject({ id: z.number().int(), language_code: z.string().optional() });
const file = z.looseObject({
  file_id: z.string(),
  file_unique_id: z.string(),
  file_size: z.number().optional(),
});

const message = z.looseObject({
  message_id: z.number().int(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  contact: z
    .looseObject({ phone_number: z.string().min(1), user_id: z.number().int().optional() })
    .optional(),
  photo: z.array(file).optional(),
  document: file.extend({ file_name: z.string().optional(), mime_type: z.string().optional() }).optional(),
});

export const updateShape = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: user,
      data: z.string().optional(),
      message: z.looseObject({ chat }).optional(),
    })
    .optional(),
});
