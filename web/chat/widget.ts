import type { Locale, Translate } from '../../core/i18n';

/** What the widget needs to know: the insurer's colour, its languages and the launcher's words in each. */
export interface WidgetOptions {
  color: string;
  languages: readonly Locale[];
  translations: (locale: Locale) => Translate;
  insurer: Record<Locale, string>;
}

/**
 * The widget: the script an insurer puts on its own pages (`<script src="…/chat/widget.js" defer></script>`). It
 * adds a round launcher in the corner that opens the chat in a frame of Kabinet's origin, so the conversation, its
 * cookie and its script stay Kabinet's: the host page sees none of it. The frame speaks the host page's language
 * when the insurer offers it (`<html lang>`, or `data-lang` on the tag). Styles are set through the DOM, which a
 * host page's CSP allows, never as inline style text, which it may not.
 */
export function widgetScript({ color, languages, translations, insurer }: WidgetOptions): string {
  const words = Object.fromEntries(
    languages.map((locale) => {
      const t = translations(locale);
      return [
        locale,
        {
          open: t('chat.open'),
          close: t('chat.close'),
          title: t('chat.title', { insurer: insurer[locale] }),
        },
      ];
    }),
  );
  const settings = JSON.stringify({ color, languages, words }).replace(/</g, '\\u003c');
  return `'use strict';
(() => {
  // The tag that loaded this script (an async or module load has no currentScript: found by its address then).
  const script = document.currentScript || document.querySelector('script[src$="/chat/widget.js"]');
  if (!script) return console.warn('Kabinet widget: cannot find its own <script> tag; load it with a plain <script src> tag');
  if (window.__kabinetWidget) return;
  window.__kabinetWidget = true;
  const SETTINGS = ${settings};
  const origin = new URL(script.src).origin;
  const asked = (script.dataset.lang || document.documentElement.lang || navigator.language || '').slice(0, 2).toLowerCase();
  const lang = SETTINGS.languages.includes(asked) ? asked : SETTINGS.languages[0];
  const words = SETTINGS.words[lang];
  const layer = 2147483000;

  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.setAttribute('aria-label', words.open);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.title = words.open;
  Object.assign(launcher.style, {
    position: 'fixed', right: '20px', bottom: '20px', width: '56px', height: '56px', padding: '0',
    border: '0', borderRadius: '50%', background: SETTINGS.color, cursor: 'pointer', zIndex: String(layer + 1),
    boxShadow: '0 4px 14px rgba(0,0,0,.25)', overflow: 'hidden',
  });
  const logo = document.createElement('img');
  logo.src = origin + '/chat/logo.svg';
  logo.alt = '';
  Object.assign(logo.style, { width: '56px', height: '56px', display: 'block' });
  launcher.append(logo);

  let frame = null;
  // On a phone the chat takes the screen above the launcher (which closes it); elsewhere a panel above it.
  const narrow = window.matchMedia('(max-width: 480px)');
  function place() {
    if (!frame) return;
    Object.assign(frame.style, narrow.matches
      ? { right: '0', bottom: '88px', width: '100vw', height: 'calc(100% - 88px)', borderRadius: '0' }
      : { right: '20px', bottom: '88px', width: 'min(400px, calc(100vw - 40px))', height: 'min(640px, calc(100vh - 108px))', borderRadius: '12px' });
  }
  narrow.addEventListener('change', place);

  function toggle() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.src = origin + '/?lang=' + encodeURIComponent(lang);
      frame.title = words.title;
      Object.assign(frame.style, {
        position: 'fixed', border: '0', background: '#fff', zIndex: String(layer),
        boxShadow: '0 8px 30px rgba(0,0,0,.3)',
      });
      document.body.append(frame);
    } else frame.hidden = !frame.hidden;
    const open = !frame.hidden;
    // The site's own CSS may show a hidden frame (iframe { display: block }): this says it louder.
    frame.style.display = open ? 'block' : 'none';
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? words.close : words.open);
    launcher.title = open ? words.close : words.open;
    place();
    if (open) frame.focus();
  }
  launcher.addEventListener('click', toggle);

  const mount = () => document.body.append(launcher);
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
`;
}
