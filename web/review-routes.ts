import { Hono } from 'hono';
import { escapeHtml } from '../core/html';
import { type IdentityReview, type ReviewDecision, reviewReasons } from '../core/identity-review';
import type { AccountRepository, ReviewedProfile } from '../core/ports/accounts';
import type { FileStore } from '../core/ports/file-store';
import { type CaseStatus, type IdentityCase, identityImages } from '../core/ports/identity-cases';
import { imageNames, reasonNames } from '../core/staff-words';
import { sameToken } from './tokens';

export interface ReviewPageDeps {
  review: IdentityReview;
  accounts: Pick<AccountRepository, 'overview' | 'profileForReview'>;
  files: FileStore;
  /** The secret in the page's address (printed at start); anyone holding it decides cases. */
  token: string;
}

/**
 * The local review desk, for a run without Slack: `/dev/review/<token>` lists the cases waiting for a decision
 * with their three pictures, and approves, rejects with a reason, or asks for one picture again, through the same
 * review service (and so the same compare-and-set and the same notices) Slack uses.
 */
export function createReviewRoutes(deps: ReviewPageDeps) {
  const app = new Hono();
  const base = `/dev/review/${deps.token}`;
  app.use('/dev/review/:token/*', async (c, next) => {
    if (!sameToken(c.req.param('token'), deps.token))
      return c.json({ error: 'not_found', message: 'No such page' }, 404);
    await next();
  });

  app.get('/dev/review/:token/', async (c) => {
    const waiting = await deps.review.waiting();
    const rows = await Promise.all(
      waiting.map(async (found) =>
        caseHtml(
          found,
          await deps.accounts.overview(found.accountId),
          await deps.accounts.profileForReview(found.accountId),
        ),
      ),
    );
    const flash = c.req.query('said');
    return c.html(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Проверка личности</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>body{font:15px system-ui;max-width:1100px;margin:2em auto;padding:0 1em}
section{border:1px solid #ccd;border-radius:8px;padding:1em;margin:1em 0}.images{display:flex;gap:8px;flex-wrap:wrap}
figure{margin:0;flex:1;min-width:240px}figure img{width:100%;border:1px solid #ddd}figcaption{font-size:13px}
form{display:inline-block;margin:.5em 1em .5em 0}.flash{background:#eef6ee;padding:.5em 1em}.note{color:#a33}</style></head>
<body><h1>Проверка личности (локально, без Slack)</h1>
${flash ? `<p class="flash">${escapeHtml(flash)}</p>` : ''}
${rows.join('\n') || '<p>Нет заявок, ожидающих решения.</p>'}</body></html>`);
  });

  app.get('/dev/review/:token/files/:id', async (c) => {
    const id = c.req.param('id');
    // Only pictures of cases waiting for a decision: a decided case's files are not served from here.
    const waiting = await deps.review.waiting();
    const known = waiting.some((found) =>
      identityImages.some(
        (image) => found.images[image]?.fileId === id || found.images[image]?.previewId === id,
      ),
    );
    const file = known ? await deps.files.get(id) : null;
    if (!file) return c.json({ error: 'not_found', message: 'No such picture' }, 404);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': file.contentType,
      'cache-control': 'private, no-store',
    });
  });

  app.post('/dev/review/:token/cases/:id', async (c) => {
    const form = await c.req.parseBody();
    const decision = decisionOf(form);
    const seen = String(form.seen ?? '') as CaseStatus;
    const version = new Date(Number(form.version));
    if (!decision || (seen !== 'submitted' && seen !== 'in_review') || Number.isNaN(version.getTime()))
      return c.redirect(
        `${base}/?said=${encodeURIComponent('Не понятно, что решено: выберите действие и причину.')}`,
        303,
      );
    // The page names the version it showed: a case changed since (a new picture, another decision) is a conflict.
    const decided = await deps.review.decide(
      c.req.param('id'),
      { status: seen, at: version },
      decision,
      'local-review',
    );
    const said = decided.ok
      ? 'Решение принято, клиенту сообщено.'
      : decided.error === 'conflict'
        ? 'Заявку уже изменили (другое решение было раньше): обновите страницу.'
        : decided.error === 'profile_changed'
          ? 'Документ в профиле изменился после отправки заявки: подтвердить нельзя — отклоните или попросите снимок заново.'
          : 'Такой заявки нет.';
    return c.redirect(`${base}/?said=${encodeURIComponent(said)}`, 303);
  });

  function caseHtml(
    found: IdentityCase,
    overview: Awaited<ReturnType<AccountRepository['overview']>>,
    profile: ReviewedProfile | null,
  ): string {
    // The profile in full: the reviewer compares each field, the document number too, with the passport.
    const person = profile
      ? [profile.surname, profile.givenName, profile.patronymic].filter(Boolean).join(' ')
      : '';
    const who = overview
      ? `<b>${escapeHtml(person || '—')}</b>, дата рождения ${escapeHtml(profile?.birthDate?.split('-').reverse().join('.') ?? '—')}; документ ${escapeHtml(profile?.documentType ?? '')} <b>${escapeHtml(profile?.document ?? '—')}</b>; ${escapeHtml(overview.account.email)}, ${escapeHtml(overview.account.phone)}`
      : 'аккаунт не найден';
    const images = identityImages
      .map((image) => {
        const held = found.images[image];
        if (!held) return `<figure><figcaption>${imageNames[image]}: нет</figcaption></figure>`;
        const note = held.notes.includes('blurred')
          ? ' <span class="note">нечёткий снимок, принят с третьей попытки</span>'
          : '';
        return `<figure><a href="${base}/files/${held.fileId}" target="_blank"><img src="${base}/files/${held.fileId}" alt="${imageNames[image]}"></a><figcaption>${imageNames[image]}${note}</figcaption></figure>`;
      })
      .join('');
    const reasons = reviewReasons.map((r) => `<option value="${r}">${reasonNames[r]}</option>`).join('');
    const imageOptions = identityImages.map((i) => `<option value="${i}">${imageNames[i]}</option>`).join('');
    const action = `${base}/cases/${found.id}`;
    const seen = `<input type="hidden" name="seen" value="${found.status}"><input type="hidden" name="version" value="${found.updatedAt.getTime()}">`;
    return `<section><h2>Заявка ${escapeHtml(found.id.slice(0, 8))}</h2>
<p>${who}. Канал: ${found.channel}. Отправлена ${found.submittedAt?.toISOString() ?? '—'}, ответ обещан до ${found.answerBy?.toISOString() ?? '—'}.</p>
<div class="images">${images}</div>
<form method="post" action="${action}">${seen}<input type="hidden" name="action" value="approve"><button>Подтвердить</button></form>
<form method="post" action="${action}">${seen}<input type="hidden" name="action" value="reject"><select name="reason">${reasons}</select> <button>Отклонить</button></form>
<form method="post" action="${action}">${seen}<input type="hidden" name="action" value="ask_again"><select name="image">${imageOptions}</select> <select name="reason">${reasons}</select> <button>Попросить заново</button></form>
</section>`;
  }

  return app;
}

/** The decision a posted form names, or null when it names none we know. */
function decisionOf(form: Record<string, unknown>): ReviewDecision | null {
  const reason = reviewReasons.find((r) => r === form.reason);
  const image = identityImages.find((i) => i === form.image);
  switch (form.action) {
    case 'approve':
      return { type: 'approve' };
    case 'reject':
      return reason ? { type: 'reject', reason } : null;
    case 'ask_again':
      return reason && image ? { type: 'ask_again', image, reason } : null;
    default:
      return null;
  }
}
