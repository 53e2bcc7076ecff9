import { type Gateways, sendLetter } from './contact-messages';
import { base64url, digest } from './digest';
import { createTranslations, type Locale } from './i18n';
import type { Logger } from './logger';
import type { ChannelName } from './messages';
import { generatePassword } from './password-generator';
import type { AccountRepository } from './ports/accounts';
import type { PendingActivation, Renewal } from './ports/activation';
import type { JobQueue } from './ports/job-queue';
import type { PasswordHasher } from './ports/password-hasher';
import type { InsurerPreset } from './presets';

/** What the activation e-mail is made from: references only, the link and the password are derived again. */
export interface ActivationLetter {
  accountId: string;
  email: string;
  phone: string;
  /** Names the derivation: `<conversation>|<event>` of the turn that made them, or a renewal's own. */
  origin: string;
  locale: Locale;
}

export interface ActivationOptions extends Gateways {
  /** Keys the derivation (derived from DATA_KEY): without it, nobody can work out a link or a password. */
  secret: Uint8Array;
  queue: JobQueue;
  preset: InsurerPreset;
  accounts: Pick<AccountRepository, 'renewActivation' | 'overview'>;
  passwords: PasswordHasher;
  /** Where links point: `<publicUrl>/activate/<token>`. */
  publicUrl: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Activation links and temporary passwords (Victoria). Both are derived under a key of their own from the request
 * that made them, so the turn that creates the account stores only their hashes, and the job that mails them is
 * told where they came from, never what they are; a re-run turn or a retried job derives the same ones.
 */
export function createActivation(options: ActivationOptions) {
  const { queue, preset, publicUrl, logger, now = Date.now } = options;
  const translations = createTranslations();
  const key = crypto.subtle.importKey(
    'raw',
    new Uint8Array(options.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const derive = async (label: string, origin: string) =>
    new Uint8Array(
      await crypto.subtle.sign(
        'HMAC',
        await key,
        new TextEncoder().encode(`kabinet:activation:${label}|${origin}`),
      ),
    );

  /** The link's token (192 bits) and the temporary password, for `origin`. */
  async function secretsFor(origin: string, personal: string[]) {
    const token = base64url((await derive('token', origin)).slice(0, 24));
    const password = await generatePassword(await derive('password', origin), preset.password, personal);
    return { token, password };
  }

  /** What the records keep of a new link: its token's hash, its expiry and the chat to tell. */
  async function pending(
    origin: string,
    personal: string[],
    chat: { conversationId: string; channel: ChannelName } | null,
  ): Promise<{ password: string; pending: PendingActivation }> {
    const { token, password } = await secretsFor(origin, personal);
    const hours = (h: number) => new Date(now() + h * 3600 * 1000);
    return {
      password,
      pending: {
        tokenHash: await tokenHash(token),
        createdAt: new Date(now()),
        expiresAt: hours(preset.activation.linkHours),
        temporaryPasswordUntil: hours(preset.activation.temporaryPasswordHours),
        conversationId: chat?.conversationId ?? null,
        channel: chat?.channel ?? null,
      },
    };
  }

  /** Queues the e-mail with the link and the temporary password, and the SMS saying the cabinet exists. */
  const send = async (letter: ActivationLetter): Promise<void> => {
    await queue.send('activation', { ...letter }, `activation:${letter.accountId}:${letter.origin}`);
  };

  return {
    pending,
    send,
    /**
     * A new link and temporary password for an account still waiting (the first link expired or was lost).
     * `origin` names the request: the same request twice sends one e-mail.
     */
    async renew(
      accountId: string,
      origin: string,
      chat: { conversationId: string; channel: ChannelName } | null,
      locale: Locale,
    ): Promise<Renewal> {
      const found = await options.accounts.overview(accountId);
      if (!found) return 'active';
      const { email, phone } = found.account;
      const made = await pending(origin, [email, phone], chat);
      const renewal = await options.accounts.renewActivation(
        accountId,
        await options.passwords.hash(made.password),
        made.pending,
      );
      if (renewal === 'renewed') await send({ accountId, email, phone, origin, locale });
      return renewal;
    },
    work: () =>
      queue.work('activation', async (job) => {
        const letter = job.data as unknown as ActivationLetter;
        const t = translations(letter.locale);
        const { token, password } = await secretsFor(letter.origin, [letter.email, letter.phone]);
        const vars = {
          insurer: preset.name[letter.locale],
          link: `${publicUrl}/activate/${token}`,
          password,
          hours: preset.activation.linkHours,
          support: preset.support,
          // Whoever typed this e-mail proved only the phone: its owner sees whose phone before opening the link.
          phoneEnd: letter.phone.slice(-4),
        };
        const mail = await sendLetter(options, 'email', letter.email, {
          subject: t('mail.activation.subject', vars),
          text: t('mail.activation.text', vars),
        });
        if (!mail.ok && mail.error === 'unavailable' && !job.lastAttempt)
          throw new Error('mail gateway unavailable');
        if (!mail.ok) logger.warn('activation e-mail not delivered', { reason: mail.error });
        // The SMS says only that the cabinet exists; sent once the e-mail has been tried, retried on its own key.
        await queue.send(
          'message',
          {
            to: 'phone',
            contact: letter.phone,
            subject: 'mail.activation.subject',
            text: 'sms.account_created',
            sms: 'sms.account_created',
            vars: { insurer: preset.name[letter.locale] },
            locale: letter.locale,
          },
          `account-created:${letter.accountId}`,
        );
      }),
  };
}

export type Activation = ReturnType<typeof createActivation>;

/** What the records keep of a link's token. */
export const tokenHash = (token: string) => digest(`activation|${token}`, 43);
