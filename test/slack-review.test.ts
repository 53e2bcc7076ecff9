import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../bots/slack/signature';
import { actions } from '../bots/slack/views';
import type { Logger } from '../core/logger';
import { loadConfig } from '../web/config';
import { createKabinet, type Kabinet, type KabinetOptions } from '../web/kabinet';
import { blockKitProblems } from './support/block-kit';
import { type SlackCall, startFakeSlack } from './support/fake-slack';
import { startFakeTelegram, TOKEN } from './support/fake-telegram';
import { telegramCustomer, webCustomer } from './support/identity-customers';
import { documentPhoto } from './support/images';
import { createTestDatabase, serviceUrl } from './support/services';

const SECRET = 'hook-secret_42_0123456789abcdef';
const SLACK_TOKEN = 'xoxb-1111-2222-kabinet-test';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const CHANNEL = 'C0REVIEW';
const [ANNA, BORIS, EVE] = ['U0ANNA', 'U0BORIS', 'U0EVE'];

/**
 * Staff review in Slack as the service is composed for production: real Bolt inside our Hono app, signed
 * payloads posted to /slack/events, a fake Slack Web API on loopback (SLACK_API_URL), customers in Telegram and
 * the web chat, the desk's posts and reminders through the durable queue. Real Postgres and Redis in CI.
 */
describe('identity review in Slack', () => {
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let telegram: Awaited<ReturnType<typeof startFakeTelegram>>;
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const logs: string[] = [];
  const record = (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = { info: record, warn: record, error: record };

  const start = async (
    options: KabinetOptions = {},
    databaseUrl = testDatabase?.url,
    env: Record<string, string> = {},
  ) => {
    const started = await createKabinet(
      loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        REDIS_URL: serviceUrl('REDIS_URL'),
        DATA_KEY: Buffer.alloc(32, 9).toString('base64'),
        DEV_OUTBOX: '1',
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_REVIEW_CHANNEL: CHANNEL,
        SLACK_REVIEWERS: `${ANNA},${BORIS}`,
        SLACK_API_URL: slack.apiUrl,
        ...env,
      }),
      { logger, redisKeyPrefix: `kabinet-test:slack:${Date.now().toString(36)}:`, ...options },
    );
    await started.ready;
    started.startBackground();
    return started;
  };

  beforeAll(async () => {
    slack = await startFakeSlack({ token: SLACK_TOKEN });
    telegram = await startFakeTelegram();
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-slack-'));
    const databaseUrl = serviceUrl('DATABASE_URL');
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    kabinet = await start();
  });

  afterAll(async () => {
    await kabinet?.close();
    await Promise.all([slack?.close(), telegram?.close(), testDatabase?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Waits until `check` holds, the way a person watching Slack would: the work after an ack takes a moment. */
  const eventually = async (check: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${logs.slice(-5).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  /** A request as Slack signs it; `sign` overrides what a forger would change. */
  async function slackRequest(
    body: string,
    contentType: string,
    forged: { secret?: string; at?: number; unsigned?: boolean } = {},
    to: Kabinet = kabinet,
  ) {
    const at = String(Math.floor((forged.at ?? Date.now()) / 1000));
    const headers: Record<string, string> = { 'content-type': contentType };
    if (!forged.unsigned) {
      headers['x-slack-request-timestamp'] = at;
      headers['x-slack-signature'] = await sign(forged.secret ?? SIGNING_SECRET, at, body);
    }
    return to.app.request('/slack/events', { method: 'POST', headers, body });
  }
  const interaction = (payload: object, forged?: Parameters<typeof slackRequest>[2], to = kabinet) =>
    slackRequest(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      forged,
      to,
    );

  const latestPost = () => {
    const posts = slack.callsOf('chat.postMessage').filter((c) => c.ts && Array.isArray(c.payload.blocks));
    const post = posts.at(-1);
    if (!post) throw new Error('nothing posted to Slack');
    return post;
  };
  /** The button `actionId` of a message's blocks. */
  const buttonOf = (call: SlackCall, actionId: string) => {
    for (const block of call.payload.blocks as {
      type: string;
      elements?: { action_id?: string; value?: string }[];
    }[])
      for (const element of block.elements ?? []) if (element.action_id === actionId) return element;
    return null;
  };
  const textOf = (call: SlackCall) => JSON.stringify(call.payload.blocks ?? call.payload.text);
  /** What the message of the case shows now: its latest update, or the post. */
  const messageNow = (post: SlackCall) => {
    const updates = slack.callsOf('chat.update').filter((c) => c.payload.ts === tsOf(post));
    return updates.at(-1) ?? post;
  };
  const tsOf = (post: SlackCall) => post.ts ?? '';

  /** A reviewer's click on a button of the case's message, as Slack posts it. */
  const click = (
    user: string,
    post: SlackCall,
    actionId: string,
    forged?: Parameters<typeof slackRequest>[2],
    to = kabinet,
  ) => {
    const button = buttonOf(messageNow(post), actionId) ?? buttonOf(post, actionId);
    if (!button) throw new Error(`no ${actionId} button on the message`);
    return interaction(
      {
        type: 'block_actions',
        user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy-verification-token',
        team: { id: 'T1', domain: 'insurer' },
        container: { type: 'message', message_ts: tsOf(post), channel_id: CHANNEL },
        channel: { id: CHANNEL, name: 'review' },
        trigger_id: `trigger-${Math.random()}`,
        response_url: 'http://127.0.0.1:9/unused',
        actions: [
          { type: 'button', action_id: actionId, block_id: 'b', value: button.value, action_ts: '1.2' },
        ],
      },
      forged,
      to,
    );
  };
  /** A reviewer submitting the modal `views.open` showed them last, with `values` chosen. */
  const submitModal = (user: string, values: Record<string, string | null>) => {
    const opened = slack.callsOf('views.open').at(-1);
    if (!opened) throw new Error('no modal was opened');
    const view = opened.payload.view as { callback_id: string; private_metadata: string };
    const state = Object.fromEntries(
      Object.entries(values).map(([block, value]) => [
        block,
        {
          [block]:
            block === 'comment'
              ? { type: 'plain_text_input', value }
              : { type: 'radio_buttons', selected_option: value ? { value } : null },
        },
      ]),
    );
    return interaction({
      type: 'view_submission',
      user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
      api_app_id: 'A1',
      team: { id: 'T1', domain: 'insurer' },
      trigger_id: `trigger-${Math.random()}`,
      view: { id: 'V1', type: 'modal', ...view, state: { values: state }, hash: 'h' },
    });
  };
  const ephemeralsTo = (user: string) =>
    slack
      .callsOf('chat.postEphemeral')
      .filter((c) => c.payload.user === user)
      .map((c) => String(c.payload.text));

  /** A Telegram customer whose three photos are sent for review; the case's post in Slack. */
  async function telegramCase(seeds: number[], at = kabinet) {
    const customer = telegramCustomer(at, telegram, SECRET);
    await customer.atFirstPicture();
    const before = slack.callsOf('chat.postMessage').length;
    await customer.sendPhotos(seeds);
    await customer.tap('Отправить');
    await eventually(() => slack.callsOf('chat.postMessage').length > before, 'the case posted to Slack');
    return { customer, post: latestPost() };
  }

  it('posts a case from three Telegram photos, keeps non-reviewers out, and approves it for its claimer', async () => {
    const { customer, post } = await telegramCase([501, 502, 503]);
    expect(post.payload.channel).toBe(CHANNEL);
    expect(blockKitProblems('message', { blocks: post.payload.blocks, text: post.payload.text })).toEqual([]);
    const shown = textOf(post);
    expect(shown).toContain('Петрова Ольга');
    expect(shown).toContain('Telegram');
    expect(shown).toContain('45** ***321'); // the document masked: never the full number in a channel
    expect(shown).not.toContain('654321');
    expect(shown).toContain('Ждёт проверяющего');

    // Someone not in SLACK_REVIEWERS: refused where they clicked, and written down.
    expect((await click(EVE, post, actions.approve)).status).toBe(200);
    await eventually(() => ephemeralsTo(EVE).length > 0, 'the refusal');
    expect(ephemeralsTo(EVE)[0]).toContain('только проверяющие');

    expect((await click(ANNA, post, actions.claim)).status).toBe(200);
    await eventually(() => textOf(messageNow(post)).includes(`Взял <@${ANNA}>`), 'the claim shown');
    // Another reviewer cannot decide a case Anna holds, and is told who holds it.
    await click(BORIS, post, actions.approve);
    await eventually(() => ephemeralsTo(BORIS).some((t) => t.includes(`взял <@${ANNA}>`)), 'who holds it');

    await click(ANNA, post, actions.approve);
    await eventually(
      () => customer.sent().some((t) => t.includes('Ваша личность подтверждена')),
      'the approval told',
    );
    await eventually(() => textOf(messageNow(post)).includes('Подтверждена'), 'the message updated');
    const final = messageNow(post);
    expect(textOf(final)).toContain(`<@${ANNA}>`);
    expect(buttonOf(final, actions.approve)).toBeNull(); // decided: no buttons left to press
    expect(blockKitProblems('message', { blocks: final.payload.blocks })).toEqual([]);
    expect(customer.sent().filter((t) => t.includes('Ваша личность подтверждена'))).toHaveLength(1);
  });

  it('writes a refused click to the audit log against the case', async () => {
    const { post } = await telegramCase([511, 512, 513]);
    await click(EVE, post, actions.claim);
    await eventually(() => ephemeralsTo(EVE).length > 1, 'the refusal');
    const caseId = JSON.parse(String(buttonOf(post, actions.claim)?.value)).caseId as string;
    const found = (await kabinet.review.waiting()).find((c) => c.id === caseId);
    expect(found?.status).toBe('submitted');
    const trail = await kabinet.services.accounts.auditTrail(found?.accountId ?? '');
    expect(trail.find((e) => e.action === 'identity.refused')).toMatchObject({
      actor: `slack:${EVE}`,
      details: { caseId, attempted: actions.claim },
    });
  });

  it('rejects with a reason chosen in a modal, and the web chat is told that reason', async () => {
    const p = webCustomer(kabinet);
    const { id: accountId } = await p.signIn();
    await p.tap('confirm_identity');
    await p.tap('begin');
    for (const seed of [521, 522, 523]) await p.uploadText(await documentPhoto(seed));
    const before = slack.callsOf('chat.postMessage').length;
    expect(await p.tap('send')).toContain('Ваша заявка рассматривается');
    await eventually(() => slack.callsOf('chat.postMessage').length > before, 'the case posted');
    const post = latestPost();
    expect(textOf(post)).toContain('веб-чат');

    await click(BORIS, post, actions.reject);
    await eventually(() => slack.callsOf('views.open').length > 0, 'the modal opened');
    const modal = slack.callsOf('views.open').at(-1)?.payload.view;
    expect(blockKitProblems('modal', modal)).toEqual([]);
    // The reason the customer will read is shown beside each choice.
    expect(JSON.stringify(modal)).toContain('Клиент прочтёт: «документ недействителен»');

    // No reason chosen: the modal stays open and says what is missing.
    const missing = await submitModal(BORIS, { reason: null, comment: null });
    expect(missing.status).toBe(200);
    expect(await missing.json()).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.any(String) },
    });

    const done = await submitModal(BORIS, { reason: 'document_invalid', comment: 'Срок действия истёк' });
    expect(done.status).toBe(200);
    let told = '';
    await eventually(async () => {
      told += await p.updates();
      return told.includes('Причина: документ недействителен');
    }, 'the rejection told in the web chat');
    await eventually(() => textOf(messageNow(post)).includes('Отклонена'), 'the message updated');
    expect(textOf(messageNow(post))).toContain('клиент прочтёт: «документ недействителен»');
    // The comment is the reviewer's note in the audit log; the customer read only the reason.
    expect(told).not.toContain('Срок действия истёк');
    const trail = await kabinet.services.accounts.auditTrail(accountId);
    expect(trail.find((e) => e.action === 'identity.rejected')).toMatchObject({
      actor: `reviewer:${BORIS}`,
      details: { reason: 'document_invalid', comment: 'Срок действия истёк' },
    });
  });

  it('asks again for one picture, and the resubmission is posted as a new case message', async () => {
    const { customer, post } = await telegramCase([531, 532, 533]);
    await click(ANNA, post, actions.askAgain);
    await eventually(
      () => JSON.stringify(slack.callsOf('views.open').at(-1)?.payload.view ?? '').includes('Какой снимок'),
      'the modal',
    );
    expect(blockKitProblems('modal', slack.callsOf('views.open').at(-1)?.payload.view)).toEqual([]);
    await submitModal(ANNA, { image: 'selfie', reason: 'face_not_visible', comment: null });
    await eventually(
      () => customer.sent().some((t) => t.includes('Проверяющий просит прислать заново: Селфи с паспортом')),
      'the request told',
    );
    await eventually(
      () => textOf(messageNow(post)).includes('Запрошен снимок заново'),
      'the message updated',
    );

    const before = slack.callsOf('chat.postMessage').length;
    await kabinet.settled(); // the flow's question follows the notice
    await customer.tap('Продолжить заявку');
    expect(customer.sent().at(-1)).toContain('Селфи с паспортом');
    const bytes = await documentPhoto(534);
    telegram.serveFile(`again-${customer.chatId}`, bytes);
    await customer.post(customer.user.photo(`again-${customer.chatId}`, bytes.byteLength));
    await customer.tap('Отправить');
    await eventually(() => slack.callsOf('chat.postMessage').length > before, 'the resubmission posted');
    const again = latestPost();
    expect(again).not.toBe(post);
    expect(textOf(again)).toContain('Ждёт проверяющего');
    // The old message's buttons now name a submission that is gone: a click there decides nothing.
    await click(ANNA, post, actions.approve);
    await eventually(
      () => ephemeralsTo(ANNA).some((t) => t.includes('отправил заявку заново')),
      'told to look at the new one',
    );
  });

  it('gives one decision when two reviewers approve at once, and tells the slower who was first', async () => {
    const { customer, post } = await telegramCase([541, 542, 543]);
    const before = { anna: ephemeralsTo(ANNA).length, boris: ephemeralsTo(BORIS).length };
    await Promise.all([click(ANNA, post, actions.approve), click(BORIS, post, actions.approve)]);
    await eventually(
      () => customer.sent().some((t) => t.includes('Ваша личность подтверждена')),
      'the approval',
    );
    await eventually(
      () => ephemeralsTo(ANNA).length + ephemeralsTo(BORIS).length > before.anna + before.boris,
      'the slower told',
    );
    const toldLate = [...ephemeralsTo(ANNA).slice(before.anna), ...ephemeralsTo(BORIS).slice(before.boris)];
    expect(toldLate).toHaveLength(1);
    expect(toldLate[0]).toMatch(/Раньше вас успел <@U0(ANNA|BORIS)>|взял <@U0(ANNA|BORIS)>/);
    await kabinet.settled();
    expect(customer.sent().filter((t) => t.includes('Ваша личность подтверждена'))).toHaveLength(1);
  });

  it('logs a post Slack refuses with its error code, and posts the case on the retry', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    const customer = telegramCustomer(kabinet, telegram, SECRET);
    await customer.atFirstPicture();
    await customer.sendPhotos([601, 602, 603]);
    const before = slack.callsOf('chat.postMessage').filter((c) => c.ts).length;
    await customer.tap('Отправить');
    await eventually(
      () => logs.some((l) => l.includes('review desk failed') && l.includes('not_in_channel')),
      'the log',
    );
    await eventually(
      () => slack.callsOf('chat.postMessage').filter((c) => c.ts).length > before,
      'the retry',
      20_000,
    );
    expect(textOf(latestPost())).toContain('Ждёт проверяющего');
  }, 30_000);

  it('refuses forged, stale and unsigned requests with 401 and does nothing', async () => {
    const { post } = await telegramCase([551, 552, 553]);
    const calls = slack.calls.length;
    expect((await click(ANNA, post, actions.approve, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await click(ANNA, post, actions.approve, { at: Date.now() - 6 * 60_000 })).status).toBe(401);
    expect((await click(ANNA, post, actions.approve, { unsigned: true })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.calls.length).toBe(calls);
    expect(textOf(messageNow(post))).toContain('Ждёт проверяющего');
    // Slack's address check answers its challenge, signed like anything else.
    const challenge = await slackRequest(
      JSON.stringify({ type: 'url_verification', challenge: 'abc123' }),
      'application/json',
    );
    expect(await challenge.json()).toEqual({ challenge: 'abc123' });
    // A body far past any Slack payload is refused while it streams, before its signature is read.
    const huge = await slackRequest(
      `payload=${'x'.repeat(2 * 1024 * 1024)}`,
      'application/x-www-form-urlencoded',
      {
        unsigned: true,
      },
    );
    expect(huge.status).toBe(413);
  });

  it('shows a reviewer the pictures through a link made for them, refused once its signature is changed', async () => {
    const { post } = await telegramCase([561, 562, 563]);
    await click(ANNA, post, actions.images);
    await eventually(() => ephemeralsTo(ANNA).some((t) => t.includes('/staff/cases/')), 'the link');
    const link = /<(http[^|>]+)\|/.exec(
      ephemeralsTo(ANNA)
        .filter((t) => t.includes('/staff/cases/'))
        .at(-1) ?? '',
    )?.[1];
    if (!link) throw new Error('no link');
    const path = link.replace(/^https?:\/\/[^/]+/, '');
    const page = await kabinet.app.request(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
    expect(images).toHaveLength(3);
    const picture = await kabinet.app.request(images[0] ?? '');
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/jpeg');
    const forged = path.replace(/sig=([^&]+)/, (_m, sig: string) => `sig=${sig.slice(0, -2)}AA`);
    expect((await kabinet.app.request(forged)).status).toBe(403);
    // Every opening, the page and each picture, is written down against the case.
    const caseId = /\/staff\/cases\/([^?]+)/.exec(path)?.[1] ?? '';
    const found = (await kabinet.review.waiting()).find((c) => c.id === caseId);
    const viewed = (await kabinet.services.accounts.auditTrail(found?.accountId ?? '')).filter(
      (e) => e.action === 'identity.viewed',
    );
    expect(viewed.map((e) => e.details?.image ?? 'page').sort()).toEqual(['main_page', 'page']);
    expect(viewed.every((e) => e.actor === `slack:${ANNA}`)).toBe(true);
    expect((await kabinet.app.request(path.replace(`by=${ANNA}`, `by=${EVE}`))).status).toBe(403);
    expect(
      (await kabinet.app.request(images[0]?.replace(/until=\d+/, 'until=9999999999999') ?? '')).status,
    ).toBe(403);
  });

  it('shows each reviewer their queue on the App Home tab', async () => {
    const { post } = await telegramCase([571, 572, 573]);
    await click(BORIS, post, actions.claim);
    await eventually(() => textOf(messageNow(post)).includes(`Взял <@${BORIS}>`), 'the claim');
    const home = async (user: string) => {
      const before = slack.callsOf('views.publish').length;
      const response = await slackRequest(
        JSON.stringify({
          type: 'event_callback',
          team_id: 'T1',
          api_app_id: 'A1',
          event: { type: 'app_home_opened', user, channel: 'D1', tab: 'home', event_ts: '1.1' },
          event_id: `Ev${Math.random()}`,
          event_time: 1,
        }),
        'application/json',
      );
      expect(response.status).toBe(200);
      await eventually(() => slack.callsOf('views.publish').length > before, 'the home tab');
      const published = slack.callsOf('views.publish').at(-1);
      expect(published?.payload.user_id).toBe(user);
      expect(blockKitProblems('home', published?.payload.view)).toEqual([]);
      return JSON.stringify(published?.payload.view);
    };
    const caseShort = JSON.parse(String(buttonOf(post, actions.claim)?.value)).caseId.slice(0, 8) as string;
    const boris = await home(BORIS);
    expect(boris.indexOf('Взяты вами')).toBeLessThan(boris.indexOf(caseShort));
    const anna = await home(ANNA);
    expect(anna).not.toContain(caseShort);
    const eve = await home(EVE);
    expect(eve).toContain('не в списке проверяющих');
    expect(eve).not.toContain('/staff/funnel');
    // A reviewer's tab links the funnel page, signed for them: it opens for Anna, and for no one else.
    const funnel = /"url":"[^"]*(\/staff\/funnel\?by=[^"]+)"/.exec(anna)?.[1] ?? '';
    expect(funnel).toContain(`by=${ANNA}`);
    const opened = await kabinet.app.request(funnel);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Вошли в сценарий');
    expect((await kabinet.app.request(funnel.replace(`by=${ANNA}`, `by=${EVE}`))).status).toBe(403);
  });

  it.runIf(serviceUrl('DATABASE_URL'))(
    'reminds of an undecided case once with two instances running, and again after a restart only while undecided',
    async () => {
      // A records database of this test's own: other instances' reminders (an hour apart) stay out of it.
      const database = await createTestDatabase(serviceUrl('DATABASE_URL') ?? '');
      // The first reminder 2 s after sending (the answer is promised in 24 h), then every 8 s while undecided.
      const reviewTiming = { remindBefore: 24 * 3600_000 - 2000, remindEvery: 8000, claimFor: 30 * 60_000 };
      const [a, b] = await Promise.all([
        start({ reviewTiming }, database.url),
        start({ reviewTiming }, database.url),
      ]);
      let c: Kabinet | undefined;
      try {
        const undecided = await telegramCase([581, 582, 583], a);
        const decided = await telegramCase([584, 585, 586], b);
        const remindersOf = (post: SlackCall) =>
          slack
            .callsOf('chat.postMessage')
            .filter(
              (call) =>
                call.payload.thread_ts === post.ts && String(call.payload.text).includes('ждёт решения'),
            );
        await eventually(
          () => remindersOf(undecided.post).length > 0 && remindersOf(decided.post).length > 0,
          'the first reminders',
        );
        await new Promise((resolve) => setTimeout(resolve, 1500));
        // Once per due time, not once per instance: a slow run may see the next one (8 s on), never a twin.
        for (const post of [undecided.post, decided.post]) {
          const at = remindersOf(post).map((call) => call.at);
          expect(at.slice(1).every((time, i) => time - (at[i] ?? 0) > reviewTiming.remindEvery / 2)).toBe(
            true,
          );
        }
        // Nobody has taken it: the channel is called, in the case's thread and shown in the channel.
        expect(remindersOf(undecided.post)[0]?.payload).toMatchObject({ reply_broadcast: 'true' });
        expect(String(remindersOf(undecided.post)[0]?.payload.text)).toContain('<!channel>');

        await click(ANNA, decided.post, actions.approve, undefined, a);
        await eventually(() => textOf(messageNow(decided.post)).includes('Подтверждена'), 'the decision');
        const decidedReminders = remindersOf(decided.post).length;
        // A deploy: both instances stop, a new one starts on the same records and finds the next reminder due.
        const before = remindersOf(undecided.post).length;
        await Promise.all([a.close(), b.close()]);
        c = await start({ reviewTiming }, database.url);
        await eventually(
          () => remindersOf(undecided.post).length === before + 1,
          'the reminder after the restart',
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(remindersOf(decided.post)).toHaveLength(decidedReminders);
      } finally {
        await Promise.allSettled([a.close(), b.close(), c?.close()]);
        await database.drop();
      }
    },
    60_000,
  );

  it.runIf(serviceUrl('DATABASE_URL'))(
    "uploads the three previews into the case's thread only when the team opts in",
    async () => {
      const database = await createTestDatabase(serviceUrl('DATABASE_URL') ?? '');
      const opted = await start({}, database.url, { SLACK_UPLOAD_PREVIEWS: '1' });
      try {
        const uploadsBefore = slack.uploads.length;
        const { post } = await telegramCase([591, 592, 593], opted);
        await eventually(() => slack.uploads.length >= uploadsBefore + 3, 'three previews uploaded');
        const completed = slack.callsOf('files.completeUploadExternal').slice(-3);
        expect(completed.map((c) => c.payload.thread_ts)).toEqual([post.ts, post.ts, post.ts]);
        expect(slack.uploads.slice(-3).every((u) => u.bytes > 1000)).toBe(true);
      } finally {
        await opted.close();
        await database.drop();
      }
      // Without the setting (every other test here) nothing was uploaded.
      expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(3);
    },
    60_000,
  );
});
