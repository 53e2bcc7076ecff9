import { type Context, Hono } from 'hono';
import { type Activation, tokenHash } from '../core/activation';
import { escapeHtml } from '../core/html';
import { createTranslations, defaultLocale, type Locale, type MessageKey, pageLocale } from '../core/i18n';
import type { Notices } from '../core/notices';
import type { ActivationRepository, LinkState } from '../core/ports/activation';
import type { InsurerPreset } from '../core/presets';

export interface ActivationRoutesDeps {
  accounts: ActivationRepository;
  activation: Pick<Activation, 'renew'>;
  notices: Pick<Notices, 'send'>;
  preset: InsurerPreset;
}

/** What a link's token looks like (base64url of 24 bytes); anything else is unknown without a lookup. */
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * `GET /activate/:token`: the page an activation e-mail links to. Opening it changes nothing — mail scanners and
 * link previews open links, and whoever registered proved only the phone — so it names the phone's last four
 * digits and offers "Activate" (`POST`, once, until the link expires; the chat that registered is told) and "Not my
 * phone" (`POST …/withdraw`: the registration is withdrawn, the e-mail free again). In the customer's language
 * (`?lang=`, else Accept-Language). An expired link's page can have a new one sent.
 */
export function createActivationRoutes({ accounts, activation, notices, preset }: ActivationRoutesDeps) {
  const translations = createTranslations();
  const app = new Hono();

  const localeOf = (query: string | undefined, header: string | undefined): Locale =>
    pageLocale(query, header, preset.languages, defaultLocale);

  const page = (locale: Locale, key: MessageKey, form?: string, extra: Record<string, string> = {}) => {
    const t = translations(locale);
    const vars = { insurer: preset.name[locale], support: preset.support, ...extra };
    const languages = preset.languages
      .map((l) => `<a href="?lang=${l}"${l === locale ? ' aria-current="true"' : ''}>${l.toUpperCase()}</a>`)
      .join(' · ');
    return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(t('page.activation.title', vars))}</title></head><body><nav>${languages}</nav><h1>${escapeHtml(t('page.activation.title', vars))}</h1><p>${escapeHtml(t(key, vars)).replace(/\n/g, '<br>')}</p>${form ?? ''}</body></html>`;
  };

  /** A link request's language and token, its headers set; `malformed`: the answer to what cannot be a token. */
  const linkOf = (c: Context) => {
    const locale = localeOf(c.req.query('lang'), c.req.header('accept-language'));
    const token = c.req.param('token') ?? '';
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    const malformed = TOKEN.test(token) ? null : c.html(page(locale, 'page.activation.unknown'), 404);
    return { locale, token, malformed };
  };

  /** The page for a link that cannot be followed: used, unknown, replaced, or expired (with a form for a new one). */
  const refused = (
    c: Context,
    locale: Locale,
    token: string,
    error: Extract<LinkState, { ok: false }>['error'],
  ) => {
    if (error === 'used') return c.html(page(locale, 'page.activation.used'));
    if (error === 'unknown') return c.html(page(locale, 'page.activation.unknown'), 404);
    if (error === 'superseded') return c.html(page(locale, 'page.activation.superseded'), 410);
    const t = translations(locale);
    const form = `<form method="post" action="/activate/${token}/renew?lang=${locale}"><button>${escapeHtml(t('page.activation.renew'))}</button></form>`;
    return c.html(page(locale, 'page.activation.expired', form), 410);
  };

  app.get('/activate/:token', async (c) => {
    const { locale, token, malformed } = linkOf(c);
    if (malformed) return malformed;
    const state = await accounts.inspect(await tokenHash(token));
    if (!state.ok) return refused(c, locale, token, state.error);
    const t = translations(locale);
    const button = (action: string, label: MessageKey) =>
      `<form method="post" action="/activate/${token}${action}?lang=${locale}"><button>${escapeHtml(t(label))}</button></form>`;
    const forms = button('', 'page.activation.activate') + button('/withdraw', 'page.activation.not_mine');
    return c.html(page(locale, 'page.activation.confirm', forms, { phoneEnd: state.phoneEnd }));
  });

  app.post('/activate/:token', async (c) => {
    const { locale, token, malformed } = linkOf(c);
    if (malformed) return malformed;
    const outcome = await accounts.activate(await tokenHash(token));
    if (outcome.ok) {
      if (outcome.notify)
        await notices.send(
          `activated:${outcome.accountId}`,
          outcome.notify.conversationId,
          outcome.notify.channel,
          {
            key: 'activation.done_chat',
          },
        );
      return c.html(page(locale, 'page.activation.done'));
    }
    return refused(c, locale, token, outcome.error);
  });

  // "Not my phone": the mailbox's owner (the link reached them) withdraws a registration someone else made with it.
  app.post('/activate/:token/withdraw', async (c) => {
    const { locale, token, malformed } = linkOf(c);
    if (malformed) return malformed;
    const state = await accounts.inspect(await tokenHash(token));
    if (!state.ok) return refused(c, locale, token, state.error);
    const reason = "the mailbox's owner said the phone is not theirs";
    const withdrawn = await accounts.withdrawUnactivated(state.accountId, 'customer:link', reason);
    return c.html(page(locale, withdrawn ? 'page.activation.withdrawn' : 'page.activation.used'));
  });

  // A new link for an expired one: derived from the old token, so pressing twice sends one e-mail.
  app.post('/activate/:token/renew', async (c) => {
    const { locale, token, malformed } = linkOf(c);
    if (malformed) return malformed;
    const hash = await tokenHash(token);
    const outcome = await accounts.activate(hash);
    if (outcome.ok) return c.html(page(locale, 'page.activation.done'));
    if (outcome.error !== 'expired' || !outcome.accountId) {
      const key =
        outcome.error === 'used'
          ? 'page.activation.used'
          : outcome.error === 'superseded'
            ? 'page.activation.superseded'
            : 'page.activation.unknown';
      return c.html(page(locale, key));
    }
    // Only from the newest link (an older one is `superseded`), at most once a minute per account.
    const origin = `renew|${outcome.accountId}|${hash}`;
    const renewal = await activation.renew(outcome.accountId, origin, null, locale);
    const said = {
      renewed: 'page.activation.renewed',
      active: 'page.activation.used',
      too_soon: 'page.activation.too_soon',
    } as const;
    return c.html(page(locale, said[renewal]));
  });

  return app;
}
