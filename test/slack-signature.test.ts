import { describe, expect, it } from 'vitest';
import { sign, verifySlackSignature } from '../bots/slack/signature';
import { createStaffLinks } from '../core/staff-links';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
const at = 1_800_000_000;

describe("Slack's request signature", () => {
  const check = async (overrides: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
    verifySlackSignature({
      signingSecret: secret,
      rawBody: body,
      timestamp: String(at),
      signature: await sign(secret, String(at), body),
      now: at * 1000,
      ...overrides,
    });

  it('accepts a request signed with the secret, within five minutes either way', async () => {
    expect(await check({})).toEqual({ ok: true, value: undefined });
    expect((await check({ now: (at + 299) * 1000 })).ok).toBe(true);
    expect((await check({ now: (at - 299) * 1000 })).ok).toBe(true);
  });

  it("matches the example in Slack's documentation", async () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const example =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(await sign('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', example)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('refuses a stale or future timestamp, a changed body, a wrong secret and a missing header', async () => {
    expect(await check({ now: (at + 301) * 1000 })).toEqual({ ok: false, error: 'stale' });
    expect(await check({ now: (at - 301) * 1000 })).toEqual({ ok: false, error: 'stale' });
    expect(await check({ rawBody: `${body}x` })).toEqual({ ok: false, error: 'forged' });
    expect(await check({ signature: await sign('another-secret', String(at), body) })).toEqual({
      ok: false,
      error: 'forged',
    });
    expect(await check({ signature: undefined })).toEqual({ ok: false, error: 'unsigned' });
    expect(await check({ timestamp: undefined })).toEqual({ ok: false, error: 'unsigned' });
    expect(await check({ timestamp: '1e9' })).toEqual({ ok: false, error: 'unsigned' });
    expect(await check({ signature: 'v0=' })).toEqual({ ok: false, error: 'forged' });
  });
});

describe("links to a case's pictures for one reviewer", () => {
  let clock = 1_800_000_000_000;
  const links = createStaffLinks({
    secret: new Uint8Array(32).fill(5),
    publicUrl: 'https://kabinet.example',
    minutes: 15,
    now: () => clock,
  });
  const paramsOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('works for its case and reviewer until it expires', async () => {
    const url = await links.make('case-1', 'U111');
    expect(url.startsWith('https://kabinet.example/staff/cases/case-1?')).toBe(true);
    expect(await links.check('case-1', paramsOf(url))).toMatchObject({
      ok: true,
      value: { reviewer: 'U111' },
    });
    clock += 15 * 60_000 + 1;
    expect(await links.check('case-1', paramsOf(url))).toEqual({ ok: false, error: 'expired' });
  });

  it('refuses a link moved to another case, another reviewer, a later expiry or a changed signature', async () => {
    const params = paramsOf(await links.make('case-2', 'U111'));
    expect(await links.check('case-3', params)).toEqual({ ok: false, error: 'forged' });
    expect(await links.check('case-2', { ...params, by: 'U222' })).toEqual({ ok: false, error: 'forged' });
    expect(await links.check('case-2', { ...params, until: String(Number(params.until) + 1) })).toEqual({
      ok: false,
      error: 'forged',
    });
    const sig = String(params.sig);
    const changed = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    expect(await links.check('case-2', { ...params, sig: changed })).toEqual({ ok: false, error: 'forged' });
    expect(await links.check('case-2', {})).toEqual({ ok: false, error: 'forged' });
  });
});
