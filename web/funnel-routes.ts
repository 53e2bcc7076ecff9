import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { flowsFor, homeFlow } from '../core/flows';
import { escapeHtml } from '../core/html';
import { createTranslations, type MessageKey } from '../core/i18n';
import type { Logger } from '../core/logger';
import type { FunnelReport, FunnelRepository, FunnelStep } from '../core/ports/funnel';
import { type InsurerPreset, presets } from '../core/presets';
import { fail, ok, type Result } from '../core/result';
import type { StaffLinks } from '../core/staff-links';
import { sameToken } from './tokens';

/** How long the page opens for an operator who typed the token (a reviewer's link from Slack: 15 minutes). */
const OPERATOR_MINUTES = 60;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest period the page reports on at once (a query over more would hold the records for long). */
const MAX_DAYS = 366;

/** A preset's flows as the page lists them: the steps in the order customers meet them. */
const flowsOf = (preset: InsurerPreset) =>
  flowsFor(preset)
    .filter((flow) => flow.name !== homeFlow)
    .map((flow) => {
      const counted = (flow.progress ?? []) as string[];
      return {
        name: flow.name,
        steps: [...counted, ...Object.keys(flow.steps).filter((s) => !counted.includes(s))],
      };
    });

/**
 * The funnel page for staff: for one preset and flow, how many conversations that entered it in a period reached
 * each step, where they stopped, the median time at each step and the commonest refusals (their message keys),
 * drawn as a server-side SVG chart (the page runs no script). Opened by a signed link: a reviewer's, made in Slack's
 * Home tab, or an operator's, given for OPERATOR_TOKEN typed on the page.
 */
export function createFunnelRoutes(deps: {
  funnel: Pick<FunnelRepository, 'report'>;
  links: StaffLinks;
  /** Slack reviewers whose links open the page; someone since removed is refused. */
  reviewers: ReadonlySet<string>;
  operatorToken?: string;
  /** This instance's preset, shown first. */
  preset: string;
  /** Who opened the page is logged (the case pages write it to the audit log; this page shows no one's data). */
  logger: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const app = new Hono();
  const catalogue = Object.fromEntries(Object.entries(presets).map(([name, p]) => [name, flowsOf(p)]));
  const t = createTranslations()('ru');

  app.get('/staff/funnel.css', (c) =>
    c.body(styles, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  /** An operator trades the token for a signed link (the token never sits in a URL or in history). */
  app.post('/staff/funnel', bodyLimit({ maxSize: 4096 }), async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token : '';
    if (!deps.operatorToken || !sameToken(token, deps.operatorToken))
      return c.html(signInPage(Boolean(deps.operatorToken), 'Токен не подошёл.'), 403, noStore);
    // Here, whatever PUBLIC_URL says: the operator stays on the address they typed the token at.
    const signed = new URL(await deps.links.funnel('operator', OPERATOR_MINUTES));
    return c.redirect(`${signed.pathname}${signed.search}`, 303);
  });

  app.get('/staff/funnel', async (c) => {
    const query = c.req.query();
    const link = await deps.links.check('funnel', query);
    const allowed =
      link.ok && (link.value.reviewer === 'operator' || deps.reviewers.has(link.value.reviewer));
    // Without a link: the page to get one (a form, not a refusal).
    if (!allowed) {
      const why = !query.sig
        ? null
        : link.ok || link.error === 'forged'
          ? 'Ссылка недействительна.'
          : 'Ссылка устарела.';
      return c.html(signInPage(Boolean(deps.operatorToken), why), query.sig ? 403 : 200, noStore);
    }
    if (link.ok) deps.logger.info('funnel page opened', { by: link.value.reviewer });
    const presetName = query.preset && catalogue[query.preset] ? query.preset : deps.preset;
    const flows = catalogue[presetName] ?? [];
    const flow = flows.find((f) => f.name === query.flow) ?? flows[0];
    const period = periodOf(query.from, query.to, now());
    if (!flow || !period.ok)
      return c.html(
        page(`<p role="alert">${escapeHtml(period.ok ? 'Нет такого сценария.' : period.error)}</p>`),
        400,
        noStore,
      );
    const report = await deps.funnel.report({ preset: presetName, flow: flow.name, ...period.value });
    const steps = ordered(report, flow.steps);
    const signed = { by: query.by ?? '', until: query.until ?? '', sig: query.sig ?? '' };
    const body = `<h1>Воронка</h1>
${filters({ presets: Object.keys(catalogue), preset: presetName, flows, flow: flow.name, period: period.value, signed })}
${summary(report)}
${report.entered === 0 ? '<p>За этот период в сценарий никто не входил.</p>' : `${chart(steps, report.entered)}${table(steps, report.entered, t)}`}`;
    return c.html(page(body), 200, noStore);
  });

  return app;
}

const noStore = { 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' };

type Period = { from: Date; to: Date };

/** `from`…`to` as whole days (UTC), `to` included; the last seven days by default. */
function periodOf(from: string | undefined, to: string | undefined, now: number): Result<Period, string> {
  const day = (text: string | undefined, fallback: number) => {
    if (!text) return fallback;
    // Years the records can hold and a person means: 2000-01-01 to 9998-12-31.
    if (!/^(2\d{3}|[3-8]\d{3}|9[0-8]\d{2}|99[0-8]\d)-\d{2}-\d{2}$/.test(text)) return Number.NaN;
    const parsed = Date.parse(`${text}T00:00:00Z`);
    // Date.parse takes 2026-02-31 as March 3rd: a real day reads back as itself.
    return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 10) === text
      ? parsed
      : Number.NaN;
  };
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const end = day(to, today);
  const start = day(from, end - 6 * DAY_MS);
  if (Number.isNaN(start) || Number.isNaN(end)) return fail('Даты — в виде ГГГГ-ММ-ДД.');
  if (start > end) return fail('Начало периода позже его конца.');
  if (end - start >= MAX_DAYS * DAY_MS) return fail(`Период — не длиннее ${MAX_DAYS} дней.`);
  return ok({ from: new Date(start), to: new Date(end + DAY_MS) });
}

/** The flow's steps in its order, then any the records name that it has no more (an older version's). */
function ordered(report: FunnelReport, order: string[]): FunnelStep[] {
  const byName = new Map(report.steps.map((s) => [s.step, s]));
  const known = order.flatMap((name) => {
    const found = byName.get(name);
    return found ? [found] : [];
  });
  return [...known, ...report.steps.filter((s) => !order.includes(s.step))];
}

const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`);

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 1) return '&lt; 1 с';
  if (seconds < 60) return `${Math.round(seconds)} с`;
  if (seconds < 3600) return `${Math.round(seconds / 6) / 10} мин`;
  return `${Math.round(seconds / 360) / 10} ч`;
}

function filters(view: {
  presets: string[];
  preset: string;
  flows: { name: string }[];
  flow: string;
  period: Period;
  signed: { by: string; until: string; sig: string };
}): string {
  const options = (values: string[], chosen: string) =>
    values
      .map(
        (v) => `<option value="${escapeHtml(v)}"${v === chosen ? ' selected' : ''}>${escapeHtml(v)}</option>`,
      )
      .join('');
  const date = (d: Date) => d.toISOString().slice(0, 10);
  const hidden = Object.entries(view.signed)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="get" action="/staff/funnel" class="filters">${hidden}
<label>Страховщик <select name="preset">${options(view.presets, view.preset)}</select></label>
<label>Сценарий <select name="flow">${options(
    view.flows.map((f) => f.name),
    view.flow,
  )}</select></label>
<label>С <input type="date" name="from" value="${date(view.period.from)}"></label>
<label>по <input type="date" name="to" value="${date(new Date(view.period.to.getTime() - DAY_MS))}"></label>
<button>Показать</button></form>`;
}

const summary = (report: FunnelReport) =>
  `<p class="summary">Вошли в сценарий: <b>${report.entered}</b> · завершили: <b>${report.finished}</b> (${percent(report.finished, report.entered)})</p>
<p class="hint">«Остановились» — последний шаг тех, кто не завершил, включая тех, кто ещё отвечает (разговор ждёт до суток); время на шаге — от его вопроса до следующего шага, выхода или завершения.</p>`;

/** Bars of the conversations that reached each step (share of those that entered), the part that stopped there darker. */
function chart(steps: FunnelStep[], entered: number): string {
  const row = 34;
  const label = 170;
  const width = 720;
  const barSpace = width - label - 110;
  const bars = steps
    .map((s, i) => {
      const y = i * row + 4;
      const reached = (s.reached / entered) * barSpace;
      const stopped = (s.stopped / entered) * barSpace;
      const name = escapeHtml(s.step);
      return `<g><title>${name}: дошли ${s.reached}, остановились ${s.stopped}</title>
<text x="${label - 8}" y="${y + 18}" text-anchor="end">${name}</text>
<rect x="${label}" y="${y}" width="${reached.toFixed(1)}" height="24" fill="#6b8fd6"/>
<rect x="${label + reached - stopped}" y="${y}" width="${stopped.toFixed(1)}" height="24" fill="#c0392b"/>
<text x="${label + reached + 6}" y="${y + 18}">${s.reached} (${percent(s.reached, entered)})</text></g>`;
    })
    .join('\n');
  const height = steps.length * row + 8;
  return `<figure><svg role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13">
<title id="chart-title">Сколько разговоров дошло до каждого шага; красным — остановились на нём</title>
${bars}</svg><figcaption><span class="key reached"></span> дошли до шага · <span class="key stopped"></span> остановились на нём</figcaption></figure>`;
}

function table(steps: FunnelStep[], entered: number, t: (key: MessageKey) => string): string {
  const rows = steps
    .map((s) => {
      const refusals = s.refusals
        .map(
          (r) =>
            `<li><code title="${escapeHtml(t(r.reason as MessageKey))}">${escapeHtml(r.reason)}</code> × ${r.count}</li>`,
        )
        .join('');
      return `<tr><th scope="row">${escapeHtml(s.step)}</th><td>${s.reached}</td><td>${percent(s.reached, entered)}</td><td>${s.stopped}</td><td>${duration(s.medianSeconds)}</td><td><ul>${refusals}</ul></td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th scope="col">Шаг</th><th scope="col">Дошли</th><th scope="col">Доля</th><th scope="col">Остановились</th><th scope="col">Медиана на шаге</th><th scope="col">Частые отказы (код)</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function signInPage(tokenAccepted: boolean, why: string | null): string {
  const form = tokenAccepted
    ? `<form method="post" action="/staff/funnel"><label>Токен оператора <input type="password" name="token" autocomplete="current-password" required></label> <button>Открыть</button></form>`
    : '';
  return page(`<h1>Воронка</h1>${why ? `<p role="alert">${escapeHtml(why)}</p>` : ''}
<p>Проверяющие открывают её ссылкой из вкладки «Главная» приложения в Slack.</p>${form}`);
}

const page = (body: string) => `<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer"><title>Воронка — Кабинет</title>
<link rel="stylesheet" href="/staff/funnel.css"></head><body>${body}</body></html>`;

/** A file of its own: the app's CSP (style-src 'self') refuses inline styles. */
const styles = `body{font:15px system-ui,sans-serif;margin:1.5em;color:#222}
.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:end;margin-bottom:1em}
.filters label{display:flex;flex-direction:column;font-size:13px;color:#555}
figure{margin:1em 0}svg{max-width:100%;height:auto}
.key{display:inline-block;width:.9em;height:.9em;vertical-align:middle}.reached{background:#6b8fd6}.stopped{background:#c0392b}
table{border-collapse:collapse;margin-top:1em}th,td{border-bottom:1px solid #ddd;padding:.35em .7em;text-align:left;vertical-align:top}
td ul{margin:0;padding-left:1em}code{font-size:13px}[role=alert]{color:#a00}.hint{color:#666;font-size:13px}`;
