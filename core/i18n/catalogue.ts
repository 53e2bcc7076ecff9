import type { ru } from './ru';

/** Every message key; i18next plural forms (`key_one`, `key_few`, …) are addressed by their base key. */
export type MessageKey = keyof typeof ru extends infer K
  ? K extends `${infer Base}_${'zero' | 'one' | 'two' | 'few' | 'many' | 'other'}`
    ? Base
    : K
  : never;

/** A language's messages: the same keys as Russian, each a string. */
export type Catalogue = { [K in keyof typeof ru]: string };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
