import { Hono } from 'hono';
import type { Outbox } from '../bots/outbox/outbox';
import { escapeHtml } from '../core/html';

/** GET /dev/outbox: the mail and SMS a local run "sent", newest first; `?format=json` for scripts. */
export function createOutboxRoutes(outbox: Outbox) {
  const app = new Hono();
  app.get('/dev/outbox', (c) => {
    const entries = outbox.list();
    if (c.req.query('format') === 'json') return c.json({ messages: entries });
    const rows = entries
      .map(
        (e) => `<li><b>${e.channel === 'email' ? 'E-mail' : 'SMS'}</b> → ${escapeHtml(e.to)}
<small>${e.at.toISOString()}</small>${e.subject ? `<br><i>${escapeHtml(e.subject)}</i>` : ''}
<pre>${escapeHtml(e.text)}</pre></li>`,
      )
      .join('\n');
    return c.html(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Outbox</title>
<meta http-equiv="refresh" content="5"><style>body{font:15px system-ui;max-width:760px;margin:2em auto}
li{margin:1em 0;list-style:none;border-bottom:1px solid #ddd}pre{white-space:pre-wrap}</style></head>
<body><h1>Development outbox</h1><p>Mail and SMS are not configured (SMTP_URL, SMS_GATEWAY_URL): messages land here.</p>
<ol>${rows || '<li>Empty.</li>'}</ol></body></html>`);
  });
  return app;
}
