import { Hono } from 'hono';
import { escapeHtml } from '../core/html';
import type { FileStore } from '../core/ports/file-store';
import { type IdentityCaseRepository, identityImages } from '../core/ports/identity-cases';
import type { StaffLinks } from '../core/staff-links';

/** What staff read on the page: Russian, as at the desk. */
const imageNames = {
  main_page: 'Главная страница',
  selfie: 'Селфи с паспортом',
  last_page: 'Последняя страница',
} as const;

/**
 * A case's three pictures side by side, for a reviewer holding a fresh signed link (core/staff-links.ts): the
 * images never leave our storage for Slack unless the team opts in. Each opening is written to the audit log.
 */
export function createStaffRoutes(deps: {
  links: StaffLinks;
  cases: Pick<IdentityCaseRepository, 'caseById' | 'recordAtDesk'>;
  files: FileStore;
  /** Who may look: a link made for someone since removed from SLACK_REVIEWERS works no more. */
  reviewers: ReadonlySet<string>;
}) {
  const app = new Hono();

  /** The case behind a valid link, while it is under review; else the response that refuses it. */
  const opened = async (caseId: string, query: Record<string, string>) => {
    const link = await deps.links.check(caseId, query);
    if (!link.ok)
      return {
        ok: false,
        refused:
          link.error === 'expired'
            ? 'Ссылка устарела: нажмите «Снимки» в Slack ещё раз. / The link has expired.'
            : 'Ссылка недействительна. / The link is not valid.',
      } as const;
    if (!deps.reviewers.has(link.value.reviewer))
      return { ok: false, refused: 'Ссылка недействительна. / The link is not valid.' } as const;
    const found = await deps.cases.caseById(caseId);
    if (!found || (found.status !== 'submitted' && found.status !== 'in_review'))
      return {
        ok: false,
        refused: 'Заявка уже не на проверке. / The case is no longer under review.',
      } as const;
    return { ok: true, found, reviewer: link.value.reviewer } as const;
  };

  app.get('/staff/staff.css', (c) =>
    c.body(styles, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  app.get('/staff/cases/:id', async (c) => {
    const result = await opened(c.req.param('id'), c.req.query());
    if (!result.ok) return c.html(page(`<p>${escapeHtml(result.refused)}</p>`), 403);
    const { found, reviewer } = result;
    await deps.cases.recordAtDesk(found.id, `slack:${reviewer}`, 'identity.viewed');
    const query = new URL(c.req.url).search;
    const figures = identityImages
      .map((image, i) => {
        const held = found.images[image];
        if (!held) return `<figure><figcaption>${imageNames[image]}: нет</figcaption></figure>`;
        const src = `/staff/cases/${found.id}/files/${image}${query}`;
        const note = held.notes.includes('blurred') ? ' — <b>нечёткий, принят с третьей попытки</b>' : '';
        // Zoom without script (the page's CSP allows none): the checkbox doubles the picture in its frame.
        return `<figure><input type="checkbox" id="z${i}"><label for="z${i}"><img src="${src}" alt="${imageNames[image]}"></label><figcaption>${imageNames[image]}${note} · <a href="${src}" target="_blank" rel="noopener">в полный размер</a></figcaption></figure>`;
      })
      .join('');
    return c.html(
      page(`<h1>Заявка ${escapeHtml(found.id.slice(0, 8))}</h1><p class="hint">Нажмите на снимок, чтобы увеличить.</p>
<div class="images">${figures}</div>`),
      200,
      { 'cache-control': 'private, no-store' },
    );
  });

  app.get('/staff/cases/:id/files/:image', async (c) => {
    const result = await opened(c.req.param('id'), c.req.query());
    const image = identityImages.find((name) => name === c.req.param('image'));
    if (!result.ok || !image) return c.json({ error: 'forbidden', message: 'No such picture' }, 403);
    const held = result.found.images[image];
    // Each picture fetched is written down too: a link forwarded past its page still leaves a trace.
    await deps.cases.recordAtDesk(result.found.id, `slack:${result.reviewer}`, 'identity.viewed', { image });
    const file = held ? await deps.files.get(held.fileId) : null;
    if (!file) return c.json({ error: 'not_found', message: 'No such picture' }, 404);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': file.contentType,
      'cache-control': 'private, no-store',
    });
  });

  return app;
}

const page = (body: string) => `<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>Снимки заявки</title><link rel="stylesheet" href="/staff/staff.css"></head>
<body>${body}</body></html>`;

/** A file of its own: the app's CSP (style-src 'self') refuses inline styles. */
const styles = `body{font:15px system-ui;margin:1em}.images{display:flex;gap:8px}
figure{margin:0;flex:1;min-width:0;overflow:auto;max-height:90vh}img{width:100%;cursor:zoom-in;display:block}
input{display:none}input:checked+label img{width:250%;cursor:zoom-out}.hint{color:#666}`;
