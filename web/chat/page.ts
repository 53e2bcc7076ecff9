/**
 * The web chat: a static page, a stylesheet and a script; the script talks to /chat/messages and polls
 * /chat/updates. Everything the server says is put on the page as text (textContent), never as HTML.
 */
export const chatPage = () => `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Личный кабинет — чат</title>
<link rel="stylesheet" href="/chat/app.css">
<script src="/chat/app.js" defer></script>
</head>
<body>
<main class="chat">
  <header>Личный кабинет</header>
  <ol id="log" aria-live="polite"></ol>
  <p id="status" role="status" hidden></p>
  <form id="composer" autocomplete="off">
    <label class="file" title="Загрузка фотографий появится вместе с подтверждением личности">
      <input id="file" type="file" accept="image/*" disabled>📎
    </label>
    <input id="text" name="text" placeholder="Напишите ответ…" maxlength="2000" aria-label="Сообщение">
    <button type="submit" aria-label="Отправить">➤</button>
  </form>
</main>
</body>
</html>`;

export const chatStyle = `
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.4 system-ui, sans-serif; background: #eef1f5; }
.chat { max-width: 640px; height: 100vh; margin: 0 auto; display: flex; flex-direction: column; background: #fff; }
header { padding: 12px 16px; font-weight: 600; border-bottom: 1px solid #dde; }
#log { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
#log li { max-width: 85%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; }
#log li.bot { align-self: flex-start; background: #f0f2f7; }
#log li.me { align-self: flex-end; background: #2f6fed; color: #fff; }
#log li.me.secret { letter-spacing: 2px; }
.options { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }
.options .row { display: flex; gap: 6px; }
.options button { flex: 1; padding: 8px; border: 1px solid #2f6fed; border-radius: 8px; background: #fff; color: #2f6fed; cursor: pointer; font: inherit; }
.options button:hover { background: #eaf0ff; }
#status { margin: 0; padding: 6px 16px; color: #a33; background: #fff4f4; }
form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #dde; align-items: center; }
#text { flex: 1; padding: 10px; border: 1px solid #ccd; border-radius: 8px; font: inherit; }
form button { padding: 10px 14px; border: 0; border-radius: 8px; background: #2f6fed; color: #fff; font: inherit; cursor: pointer; }
.file { opacity: .4; cursor: not-allowed; }
.file input { display: none; }
`;

export const chatScript = `'use strict';
(() => {
  const log = document.getElementById('log');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  const status = document.getElementById('status');
  let last = 0;
  // The current question asks for a secret (a password): mask the field and never echo what was typed.
  let secret = false;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));

  function bubble(cls, text) {
    const li = document.createElement('li');
    li.className = cls;
    li.textContent = text;
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function show(message) {
    if (message.seq <= last) return;
    last = message.seq;
    secret = Boolean(message.secret);
    input.type = secret ? 'password' : 'text';
    const li = bubble('bot', message.text);
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
          button.addEventListener('click', () =>
            send({ type: 'choice', value: option.value, nonce: message.nonce }, option.label));
          line.append(button);
        }
        box.append(line);
      }
      li.append(box);
      log.scrollTop = log.scrollHeight;
    }
  }

  function problem(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  // A message that met a dropped connection or an outage (503) goes again under the same id: the server handles
  // it once and answers a repeat with the replies it saved, so nothing is lost and nothing runs twice.
  async function send(body, echo) {
    const id = newId();
    const mine = echo === undefined ? null : bubble('me', echo);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch('/chat/messages', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, body, locale: navigator.language }),
        });
        const reply = await response.json();
        if (response.status === 503 && attempt < 3) throw new Error('unavailable');
        if (!response.ok) return problem(reply.message || 'Ошибка ' + response.status);
        problem('');
        if (reply.hidden && mine) { mine.textContent = '••••••'; mine.classList.add('secret'); }
        reply.messages.forEach(show);
        return;
      } catch {
        if (attempt >= 3) return problem('Нет связи с сервером. Попробуйте ещё раз.');
        problem('Нет связи с сервером — пробуем ещё раз…');
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }
  }

  async function poll() {
    try {
      const response = await fetch('/chat/updates?after=' + last);
      if (response.ok) (await response.json()).messages.forEach(show);
    } catch {}
    setTimeout(poll, 3000);
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
    const history = response.ok ? (await response.json()).messages : [];
    history.forEach(show);
    if (history.length === 0) await send({ type: 'open' });
    setTimeout(poll, 3000);
  })();
})();
`;
