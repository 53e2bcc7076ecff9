import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack } from './support/fake-slack';

// The fake is only worth something if the real client talks to it the way it talks to Slack.
describe('fake Slack Web API', () => {
  let fake: Awaited<ReturnType<typeof startFakeSlack>>;
  let client: WebClient;
  beforeEach(async () => {
    fake = await startFakeSlack({ token: 'xoxb-test' });
    client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterEach(() => fake.close());

  it('posts a message with blocks, then updates it by ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Новая заявка*' } }];
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'Новая заявка', blocks });
    expect(posted.ts).toMatch(/^\d+\.000100$/);
    await client.chat.update({ channel: 'C1', ts: posted.ts ?? '', text: 'Принята', blocks: [] });

    const [post] = fake.callsOf('chat.postMessage');
    expect(post).toMatchObject({ token: 'xoxb-test', payload: { channel: 'C1', blocks } });
    expect(fake.callsOf('chat.update')[0]?.payload).toMatchObject({ ts: posted.ts, text: 'Принята' });
    const second = await client.chat.postMessage({ channel: 'C1', text: 'ещё' });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));
  });

  it('opens a view and answers with its id', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'reject',
      title: { type: 'plain_text' as const, text: 'Отклонить' },
      blocks: [],
    };
    const opened = await client.views.open({ trigger_id: 'trig', view });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: 'reject' });
    expect(fake.callsOf('views.open')[0]?.payload.view).toEqual(view);
  });

  it('fails the next call of a method with a Slack error code, then recovers', async () => {
    fake.failNext('chat.postMessage', 'channel_not_found');
    await expect(client.chat.postMessage({ channel: 'C404', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'channel_not_found' },
    });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
    const stranger = new WebClient('xoxb-other', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('takes files.uploadV2 through all three steps', async () => {
    const file = Buffer.from('%PDF-1.4 fake scan');
    const done = await client.files.uploadV2({
      channel_id: 'C1',
      thread_ts: '1700000001.000100',
      file,
      filename: 'scan.pdf',
    });

    expect(fake.uploads).toEqual([{ id: 'F0001', bytes: file.length }]);
    expect(fake.callsOf('files.getUploadURLExternal')[0]?.payload).toMatchObject({
      filename: 'scan.pdf',
      length: String(file.length),
    });
    expect(fake.callsOf('files.completeUploadExternal')[0]?.payload).toMatchObject({
      channel_id: 'C1',
      thread_ts: '1700000001.000100',
      files: [{ id: 'F0001', title: 'scan.pdf' }],
    });
    expect(done.ok).toBe(true);
  });
});
