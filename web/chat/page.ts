import { escapeHtml } from '../../core/html';
import { type Locale, localeNames, type Translate } from '../../core/i18n';
import { IMAGE_LIMITS } from '../../core/ports/images';

/**
 * The web chat: a static page, a stylesheet and a script; the script talks to /chat/messages and polls
 * /chat/updates. Everything the server says is put on the page as text (textContent), never as HTML.
 */
/** What the page's frame says, in one language: the insurer's name, the words around the chat, the languages. */
export interface ChatFrame {
  locale: Locale;
  languages: readonly Locale[];
  insurer: string;
  t: Translate;
}

/** The words the script itself shows (connection problems, a refused file), handed over as JSON: never executed. */
const scriptWords = (t: Translate) => ({
  offline_retrying: t('chat.offline_retrying'),
  offline: t('chat.offline'),
  error: t('chat.error', { status: '{{status}}' }),
  file_too_large: t('chat.file_too_large', { mb: String(IMAGE_LIMITS.maxBytes / 1048576) }),
  cookies_blocked: t('chat.cookies_blocked'),
  too_many: t('chat.slow_down', { seconds: '{{seconds}}' }),
  unavailable: t('chat.unavailable'),
  open_tab: t('chat.open_tab'),
});

export const chatPage = ({ locale, languages, insurer, t }: ChatFrame) => {
  const e = escapeHtml;
  const words = JSON.stringify(scriptWords(t)).replace(/</g, '\\u003c');
  const switcher = languages
    .map(
      (l) =>
        `<a href="?lang=${l}" lang="${l}"${l === locale ? ' aria-current="true"' : ''}>${e(localeNames[l])}</a>`,
    )
    .join(' ');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t('chat.title', { insurer }))}</title>
<link rel="stylesheet" href="/chat/app.css">
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<script type="application/json" id="chat-words">${words}</script>
<script src="/chat/app.js" defer></script>
</head>
<body>
<main class="chat">
  <header><span class="brand"><img src="/chat/logo.svg" alt="" width="28" height="28">${e(t('chat.header', { insurer }))}</span><nav aria-label="${e(t('chat.languages'))}">${switcher}</nav></header>
  <ol id="log" aria-live="polite" tabindex="0" aria-label="${e(t('chat.log'))}"></ol>
  <p id="typing" hidden aria-hidden="true"><span>${e(t('chat.typing'))}</span></p>
  <p id="status" role="alert" hidden></p>
  <form id="composer" autocomplete="off">
    <label class="file" aria-label="${e(t('chat.attach'))}" title="${e(t('chat.attach'))}">
      <input id="file" type="file" accept="image/jpeg,image/png,image/webp,image/heic,image/*" disabled>📎
    </label>
    <input id="text" name="text" placeholder="${e(t('chat.placeholder'))}" maxlength="2000" aria-label="${e(t('chat.message'))}">
    <button type="submit" aria-label="${e(t('chat.send'))}">➤</button>
  </form>
</main>
</body>
</html>`;
};

/** The page's look, in the insurer's colour (`--brand`, dark enough for white text on it). */
export const chatStyle = (brand: { color: string }) => `
:root { --brand: ${brand.color}; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.4 system-ui, sans-serif; background: #eef1f5; }
.chat { max-width: 640px; height: 100vh; margin: 0 auto; display: flex; flex-direction: column; background: #fff; }
header { padding: 12px 16px; font-weight: 600; border-bottom: 1px solid #dde; display: flex; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
header nav { font-weight: 400; font-size: 14px; display: flex; gap: 8px; }
header .brand { display: flex; align-items: center; gap: 8px; }
header nav a { color: var(--brand); }
header nav a[aria-current] { color: inherit; text-decoration: none; font-weight: 600; }
#log { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
#log li { max-width: 85%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; }
#log li.bot { align-self: flex-start; background: #f0f2f7; }
#log li.refusal { background: #fff1f0; border-left: 4px solid #b42318; }
#log li.me { align-self: flex-end; background: var(--brand); color: #fff; }
#log li.me.secret { letter-spacing: 2px; }
#log li a { color: var(--brand); word-break: break-all; }
.options button:disabled { color: #555; border-color: #999; cursor: default; background: #fff; }
.options { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }
.options .row { display: flex; gap: 6px; }
.options button { flex: 1; padding: 8px; border: 1px solid var(--brand); border-radius: 8px; background: #fff; color: var(--brand); cursor: pointer; font: inherit; }
.options button:hover { background: #eaf0ff; }
#typing { margin: 0 16px 8px; align-self: flex-start; }
#typing span { display: inline-block; padding: 6px 12px; border-radius: 12px; background: #f0f2f7; color: #555; font-size: 14px; }
.blocked { margin: 0; padding: 12px 16px; border-top: 1px solid #dde; }
#status { margin: 0; padding: 6px 16px; color: #a33; background: #fff4f4; }
form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #dde; align-items: center; }
#text { flex: 1; padding: 10px; border: 1px solid #ccd; border-radius: 8px; font: inherit; }
form button { padding: 10px 14px; border: 0; border-radius: 8px; background: var(--brand); color: #fff; font: inherit; cursor: pointer; }
.file { opacity: .4; cursor: not-allowed; font-size: 22px; }
.file.ready { opacity: 1; cursor: pointer; }
.file input { display: none; }
#log li.upload { display: flex; flex-direction: column; gap: 6px; }
#log li.upload img { max-width: 180px; max-height: 180px; border-radius: 8px; background: #fff; }
#log li.upload progress { width: 180px; }
#log li.previews { display: flex; gap: 8px; flex-wrap: wrap; white-space: normal; }
#log li.previews figure { margin: 0; width: 150px; }
#log li.previews img { width: 150px; height: 110px; object-fit: cover; border-radius: 6px; border: 1px solid #dde; }
#log li.previews figcaption { font-size: 13px; }
`;

export const chatScript = `'use strict';
(() => {
  const log = document.getElementById('log');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  const status = document.getElementById('status');
  const picker = document.getElementById('file');
  const typing = document.getElementById('typing');
  // Largest picture the server takes (its upload limit): bigger ones are refused here, before sending.
  const UPLOAD_LIMIT = ${IMAGE_LIMITS.maxBytes};
  // The frame's words in the page's language (the server put them beside the page).
  const WORDS = JSON.parse(document.getElementById('chat-words').textContent);
  // A refusal in the page's language: the server's own text is bilingual at best (it cannot know the frame's).
  function failed(status, retryAfter) {
    if (status === 429) return WORDS.too_many.replace('{{seconds}}', retryAfter || '60');
    if (status === 503) return WORDS.unavailable;
    if (status === 413) return WORDS.file_too_large;
    return WORDS.error.replace('{{status}}', status);
  }
  let last = 0;
  const KEYBOARDS = { email: 'email', username: 'email', tel: 'tel', 'one-time-code': 'numeric' };
  // The current question asks for a secret (a password): mask the field and never echo what was typed.
  let secret = false;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));

  // Addresses in the bot's words become links (the agreement, an activation page); the rest stays text.
  const LINK = /(https?:[/][/][^\\s<>"]+)/;
  function bubble(cls, text) {
    const li = document.createElement('li');
    li.className = cls;
    if (cls.startsWith('bot')) {
      for (const part of String(text).split(LINK)) {
        if (!LINK.test(part)) { li.append(part); continue; }
        const url = part.replace(/[.,;:!?)]+$/, '');
        const a = document.createElement('a');
        a.href = url;
        a.textContent = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        li.append(a, part.slice(url.length));
      }
    } else li.textContent = text;
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  // The picker is live only while the current question asks for a picture.
  function wantFile(wanted) {
    picker.disabled = !wanted;
    picker.parentElement.classList.toggle('ready', wanted);
  }

  function showPreviews(images) {
    const li = document.createElement('li');
    li.className = 'bot previews';
    for (const image of images) {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = '/chat/files/' + encodeURIComponent(image.id);
      img.alt = image.caption;
      const caption = document.createElement('figcaption');
      caption.textContent = image.caption;
      figure.append(img, caption);
      li.append(figure);
    }
    log.append(li);
    log.scrollTop = log.scrollHeight;
  }

  // The numbering the page has seen belongs to one life of the server's inbox: a reply from another (the server
  // lost its state in a restart, or an expiry began a new conversation) is counted from the start again instead
  // of being ignored as old. Returns whether this was a new life.
  let life = null;
  function adopt(inbox) {
    if (!inbox || inbox === life) return false;
    const renewed = life !== null;
    life = inbox;
    if (renewed) last = 0;
    return renewed;
  }

  // Only the newest question's buttons answer: older ones are disabled, so Tab and taps meet only live ones.
  function retireButtons() {
    for (const button of log.querySelectorAll('.options button')) button.disabled = true;
  }

  function show(message) {
    if (message.seq <= last) return;
    last = message.seq;
    if (message.type !== 'previews') retireButtons();
    if (message.type === 'previews') return showPreviews(message.images);
    if (message.type === 'file-request') wantFile(true);
    else if (message.type !== 'text') wantFile(false);
    secret = Boolean(message.secret);
    input.type = secret ? 'password' : 'text';
    // The question says what it takes: the keyboard to offer and what autofill may put in (a one-time code from
    // the SMS, the password manager's new password). A question's messages come last, so it has the last word.
    input.autocomplete = message.expects || 'off';
    input.inputMode = KEYBOARDS[message.expects] || 'text';
    const li = bubble(message.refusal ? 'bot refusal' : 'bot', message.text);
    // Why an answer was not taken is said at once to a screen reader, and looks unlike a question.
    if (message.refusal) {
      const alert = document.createElement('span');
      alert.setAttribute('role', 'alert');
      alert.append(...li.childNodes);
      li.append(alert);
    }
    if (message.type === 'choices') {
      const box = document.createElement('div');
      box.className = 'options';
      for (const row of message.rows) {
        const line = document.createElement('div');
        line.className = 'row';
        for (const option of row) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = option.label;
          button.dataset.value = option.value;
          button.addEventListener('click', () => {
            retireButtons();
            send({ type: 'choice', value: option.value, nonce: message.nonce }, option.label);
          });
          line.append(button);
        }
        box.append(line);
      }
      li.append(box);
      log.scrollTop = log.scrollHeight;
      // A question that takes a typed answer besides its buttons (a code, beside "send it again") keeps the keyboard
      // in the field; the buttons are a Tab away.
      if (message.expects) input.focus();
      else box.querySelector('button').focus();
    } else if (message.type === 'text' || message.type === 'contact-request') input.focus();
  }

  function problem(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  // "typing…" while an answer takes longer than a blink (hashing a password, sending a code).
  function working(promise) {
    const timer = setTimeout(() => { typing.hidden = false; log.scrollTop = log.scrollHeight; }, 300);
    return promise.finally(() => { clearTimeout(timer); typing.hidden = true; });
  }

  // A message that met a dropped connection or an outage (503) goes again under the same id: the server handles
  // it once and answers a repeat with the replies it saved, so nothing is lost and nothing runs twice.
  const send = (body, echo, locale) => working(deliver(body, echo, locale));
  async function deliver(body, echo, locale) {
    const id = newId();
    const mine = echo === undefined ? null : bubble('me', echo);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch('/chat/messages', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, body, locale: locale || document.documentElement.lang }),
        });
        const reply = await response.json();
        if (response.status === 503 && attempt < 3) throw new Error('unavailable');
        if (!response.ok) return problem(failed(response.status, response.headers.get('retry-after')));
        problem('');
        if (reply.hidden && mine) { mine.textContent = '••••••'; mine.classList.add('secret'); }
        adopt(reply.inbox);
        reply.messages.forEach(show);
        return reply;
      } catch {
        if (attempt >= 3) return problem(WORDS.offline);
        problem(WORDS.offline_retrying);
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }
  }

  // A picture goes as multipart with a progress bar under its preview; the custom header tells the server the
  // page itself is sending (a cross-site form cannot set one).
  function upload(file) {
    if (file.size > UPLOAD_LIMIT) return problem(WORDS.file_too_large);
    const li = bubble('me upload', '');
    const img = document.createElement('img');
    img.alt = file.name;
    img.src = URL.createObjectURL(file);
    img.onerror = () => { img.replaceWith(document.createTextNode('📎 ' + file.name)); };
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    li.append(img, bar);
    const form = new FormData();
    form.append('id', newId());
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/chat/upload');
    xhr.setRequestHeader('x-kabinet-upload', '1');
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total); };
    xhr.onload = () => {
      bar.remove();
      let reply = {};
      try { reply = JSON.parse(xhr.responseText); } catch {}
      if (xhr.status !== 200) return problem(failed(xhr.status, xhr.getResponseHeader('retry-after')));
      problem('');
      adopt(reply.inbox);
      (reply.messages || []).forEach(show);
    };
    xhr.onerror = () => { bar.remove(); problem(WORDS.offline); };
    xhr.send(form);
  }

  picker.addEventListener('change', () => {
    const file = picker.files && picker.files[0];
    picker.value = '';
    if (file) upload(file);
  });

  // Messages sent later (a reviewer's decision, a notice) come by long polling: the server answers as soon as there
  // is something new, or after 25 s with nothing; a lost connection is tried again, less and less often.
  async function listen() {
    for (let failures = 0; ; ) {
      const began = Date.now();
      try {
        const response = await fetch('/chat/updates?after=' + last + '&life=' + encodeURIComponent(life || '') + '&wait=25');
        if (!response.ok) throw new Error(String(response.status));
        const update = await response.json();
        // No chat behind this page any more (its cookie expired or was replaced): nothing to wait for until the
        // customer writes again, which starts one.
        if (update.fresh) throw new Error('no chat');
        failures = 0;
        // Another life: what it holds was numbered afresh, so ask for all of it.
        if (adopt(update.inbox)) continue;
        update.messages.forEach(show);
        // Answered at once with nothing (a server about to stop): a moment before asking again, not all pages at once.
        if (update.messages.length === 0 && Date.now() - began < 1000)
          await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 2000));
      } catch {
        failures++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 1000 * 2 ** failures) + Math.random() * 1000));
      }
    }
  }

  // The language switch changes the conversation's language too, then shows the frame in it.
  for (const link of document.querySelectorAll('header nav a')) {
    link.addEventListener('click', async (event) => {
      event.preventDefault();
      // The new language as the hint too: a conversation that expired meanwhile starts afresh in it.
      await send({ type: 'choice', value: 'lang:' + link.lang }, undefined, link.lang);
      location.href = link.href;
    });
  }

  // In another site's frame, a browser that refuses the chat's cookie would start a new chat at every message:
  // say so, and offer the chat in its own tab instead.
  function cookiesRefused() {
    const note = document.createElement('p');
    note.className = 'blocked';
    note.append(WORDS.cookies_blocked + ' ');
    const a = document.createElement('a');
    a.href = location.href;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = WORDS.open_tab;
    note.append(a);
    form.replaceWith(note);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ type: 'text', text }, secret ? '••••••' : text);
  });

  (async () => {
    const response = await fetch('/chat/updates?after=0');
    const update = response.ok ? await response.json() : { messages: [] };
    // The page itself was served with the cookie: a chat that is new again here did not keep it.
    if (update.fresh && window.top !== window) return cookiesRefused();
    adopt(update.inbox);
    const history = update.messages;
    history.forEach(show);
    if (history.length === 0) await send({ type: 'open' });
    listen();
  })();
})();
`;
