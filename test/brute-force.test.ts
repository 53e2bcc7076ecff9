import { afterAll, describe, expect, it } from 'vitest';
import { createTranslations } from '../core/i18n';
import type { Outbound } from '../core/messages';
import { type InsurerPreset, presets } from '../core/presets';
import { defaultLockout } from '../core/sign-in-limits';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { newAccount } from './contracts/account-repository.contract';
import { createFlowHarness, said, useTestRecords } from './support/flow-harness';
import { recordReliability } from './support/reliability';
import { serviceUrl, uniquePrefix } from './support/services';

/**
 * Brute force and enumeration, in numbers: what an attacker gets from many new conversations, from many clients,
 * spread over two instances sharing one Redis (each conversation lands on the other instance than the last).
 */
const records = useTestRecords({ postgres: true });
const redisUrl = serviceUrl('REDIS_URL');
const redis = redisUrl ? createRedisClient(redisUrl, uniquePrefix('brute')) : undefined;
afterAll(async () => {
  if (redis) await closeRedis(redis);
});

const t = createTranslations()('ru');
const PASSWORD = 'Sunflower42';
const soglasie = { ...presets.soglasie, resetMode: 'sent' } satisfies InsurerPreset;

/** Two engine instances on one Redis: state, locks' budgets and limits shared, as behind a load balancer. */
function twoInstances(preset: InsurerPreset = soglasie) {
  const limiterPrefix = uniquePrefix('limits');
  const instances = [0, 1].map(() => createFlowHarness(records.accounts, preset, { redis, limiterPrefix }));
  let next = 0;
  return {
    instances,
    /** A new conversation from a new client, on the instance the balancer picks next. */
    conversation() {
      const h = instances[next++ % 2];
      if (!h) throw new Error('no instance');
      return { h, c: h.customer(undefined, { client: `203.0.113.${next % 250}:${next}` }) };
    },
    /** Moves both instances' clocks (lockouts and code lifetimes run on them). */
    tick(ms: number) {
      for (const h of instances) h.tick(ms);
    },
  };
}

async function account() {
  const input = newAccount({
    passwordHash: await createFlowHarness(records.accounts).services.passwords.hash(PASSWORD),
  });
  const created = await records.accounts.createAccount(input);
  if (!created.ok) throw new Error('setup failed');
  return input;
}

describe.skipIf(!redis)('brute force and enumeration, two instances on one Redis', () => {
  it('a 6-digit code: at most 5 codes an hour to one contact, 5 guesses each, however many conversations ask', async () => {
    const { conversation } = twoInstances();
    const victim = await account();
    let codesSent = 0;
    let guessesJudged = 0;
    const conversations = 12;
    for (let i = 0; i < conversations; i++) {
      const { h, c } = conversation();
      const before = h.outbox.list().filter((m) => m.to === victim.email).length;
      await c.open();
      await c.choose('forgot_password');
      await c.choose('email');
      await c.text(victim.email);
      const mails = h.outbox.list().filter((m) => m.to === victim.email);
      if (mails.length > before) codesSent++;
      const real = /\b(\d{6})\b/.exec(mails[0]?.text ?? '')?.[1];
      let wrong = 0;
      let spent = false;
      for (let guess = 0; guess < 7; guess++) {
        const code = String(100_000 + i * 10 + guess);
        if (code === real) continue;
        const out = said(await c.text(code));
        if (out.includes('Неверный код')) wrong++;
        // The try that uses the code up is judged too; later ones are refused unread.
        if (out.includes(t('code.too_many_attempts'))) spent = true;
      }
      guessesJudged += wrong + (spent ? 1 : 0);
    }
    const { sendsPerHour } = soglasie.codes;
    const { maxAttempts } = soglasie.codes;
    expect(codesSent).toBe(sendsPerHour);
    expect(guessesJudged).toBe(sendsPerHour * maxAttempts);
    recordReliability({
      area: 'brute force',
      test: 'guessing a reset code for one e-mail from new conversations and clients, two instances',
      load: `${conversations} conversations × 7 guesses, alternating instances, each from another client`,
      faults: ['an attacker with many conversations and addresses'],
      inputs: conversations * 7,
      lost: { count: 0, counted: 'codes past the hourly cap, guesses past 5 per code' },
      figures: {
        'codes sent to the contact in the hour': codesSent,
        'guesses judged in the hour (all conversations, both instances)': guessesJudged,
        'chance of guessing a code in the hour': `${guessesJudged} in 1 000 000`,
      },
    });
  });

  it('a password: 5 tries, then locks doubling from 1 to 15 minutes, whatever conversation or instance tries', async () => {
    const { conversation, tick, instances } = twoInstances();
    const victim = await account();
    let wrong = 0;
    let locked = 0;
    const everyMs = 30_000;
    const tries = 3600_000 / everyMs;
    for (let i = 0; i < tries; i++) {
      const { c } = conversation();
      await c.open();
      await c.choose('sign_in');
      await c.text(victim.email);
      const out = await c.text(`Guess${i}x`);
      if (said(out).includes(t('signin.wrong'))) wrong++;
      else if (said(out).includes('Слишком много неверных попыток')) locked++;
      tick(everyMs);
    }
    // 5 free tries; then one try per lock: 60, 120, 240, 480, 900, 900 s end within the hour.
    const { failuresBeforeLock, firstLockSeconds, maxLockSeconds } = defaultLockout;
    let bound = failuresBeforeLock;
    for (
      let at = 0, lock = firstLockSeconds;
      at + lock <= 3600;
      at += lock, lock = Math.min(lock * 2, maxLockSeconds)
    )
      bound++;
    const judged = instances.reduce((sum, h) => sum + h.passwordChecks(), 0);
    expect(judged).toBeGreaterThan(failuresBeforeLock);
    expect(judged).toBeLessThanOrEqual(bound);
    expect(wrong + locked).toBe(tries);
    recordReliability({
      area: 'brute force',
      test: "guessing one account's password for an hour from new conversations and clients, two instances",
      load: `${tries} tries, one every 30 s, alternating instances, each from another client`,
      faults: ['an attacker with many conversations and addresses'],
      inputs: tries,
      lost: { count: 0, counted: 'passwords checked past the lockout' },
      figures: {
        'passwords checked in the hour': judged,
        "answered 'too many wrong tries' (the tries that locked included)": locked,
        'the policy allows at most': bound,
      },
    });
  });

  it('password spraying from one client: its sign-ins are capped across its conversations', async () => {
    const { instances } = twoInstances();
    const client = '198.51.100.77';
    const tries = 110;
    for (let i = 0; i < tries; i++) {
      const h = instances[i % 2];
      if (!h) throw new Error('no instance');
      const c = h.customer(undefined, { client });
      await c.open();
      await c.choose('sign_in');
      await c.text(`spray.${i}.${Date.now()}@example.ru`);
      await c.text(PASSWORD);
    }
    const judged = instances.reduce((sum, h) => sum + h.passwordChecks(), 0);
    expect(judged).toBe(100);
    recordReliability({
      area: 'brute force',
      test: 'one client trying one password against many contacts, from new conversations on two instances',
      load: `${tries} sign-ins, each in a new conversation, one address`,
      faults: ['password spraying'],
      inputs: tries,
      lost: { count: 0, counted: 'passwords checked past the per-client budget' },
      figures: { 'passwords checked for the client in the hour': judged },
    });
  });
});

/**
 * The same turn for a taken and a free contact, interleaved: the replies with the contact blanked, and the turn's
 * median time up to its reply (what a prober can time; the queued delivery after it is not in it).
 */
async function compare(
  samples: number,
  turn: (contact: 'taken' | 'free', i: number) => Promise<{ out: Outbound[]; ms: number }>,
) {
  const replies = { taken: new Set<string>(), free: new Set<string>() };
  const times: Record<'taken' | 'free', number[]> = { taken: [], free: [] };
  for (let i = 0; i < samples; i++) {
    for (const kind of i % 2 ? (['taken', 'free'] as const) : (['free', 'taken'] as const)) {
      const { out, ms } = await turn(kind, i);
      times[kind].push(ms);
      // The whole reply, every message of it (not only the question): a word said before it would tell.
      replies[kind].add(said(out).replace(/[\w.+-]+@[\w.-]+|\+?[\d ()-]{10,}/g, '<contact>'));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { replies, taken: median(times.taken), free: median(times.free) };
}

describe('enumeration: taken and free contacts answered alike before proof', () => {
  const cases: {
    flow: string;
    preset: InsurerPreset;
    turn: (
      h: ReturnType<typeof createFlowHarness>,
      contact: { email: string; phone: string },
    ) => Promise<{ out: Outbound[]; ms: number }>;
  }[] = [
    {
      flow: 'registration (Soglasie), the reply after "Send"',
      preset: presets.soglasie,
      async turn(h, contact) {
        const c = h.customer();
        await c.open();
        await c.choose('register');
        await c.text(contact.email);
        await c.text(`+7916${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`);
        await c.text(PASSWORD);
        await c.text(PASSWORD);
        await c.choose('agree');
        const out = await c.choose('send');
        return { out, ms: c.lastTurnMs() };
      },
    },
    {
      flow: 'registration (Victoria), the reply after "Register"',
      preset: presets.victoria,
      async turn(h, contact) {
        const c = h.customer();
        await c.open();
        await c.choose('register');
        await c.text(contact.email);
        await c.text(`+7701${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`);
        const out = await c.choose('register');
        return { out, ms: c.lastTurnMs() };
      },
    },
    {
      flow: 'reset, the reply after the e-mail',
      preset: soglasie,
      async turn(h, contact) {
        const c = h.customer();
        await c.open();
        await c.choose('forgot_password');
        await c.choose('email');
        const out = await c.text(contact.email);
        return { out, ms: c.lastTurnMs() };
      },
    },
    {
      flow: 'sign-in, the reply after a wrong password',
      preset: soglasie,
      async turn(h, contact) {
        const c = h.customer();
        await c.open();
        await c.choose('sign_in');
        await c.text(contact.email);
        const out = await c.text('NotThePassword1');
        return { out, ms: c.lastTurnMs() };
      },
    },
  ];
  for (const { flow, preset, turn } of cases) {
    it(flow, async () => {
      const h = createFlowHarness(records.accounts, preset);
      const samples = 15;
      const taken = await Promise.all(Array.from({ length: samples }, () => account()));
      const result = await compare(samples, (kind, i) =>
        turn(
          h,
          kind === 'taken'
            ? (taken[i] ?? taken[0] ?? { email: '', phone: '' })
            : { email: `free.${i}.${Date.now()}@example.ru`, phone: '' },
        ),
      );
      expect([...result.replies.taken]).toEqual([...result.replies.free]);
      expect(result.replies.taken.size).toBe(1);
      recordReliability({
        area: 'enumeration',
        test: flow,
        load: `${samples} taken and ${samples} free contacts, interleaved`,
        faults: ["others' contacts typed"],
        inputs: samples * 2,
        lost: { count: 0, counted: 'replies that differ between a taken and a free contact' },
        figures: {
          'distinct replies (taken / free)': `${result.replies.taken.size} / ${result.replies.free.size}`,
          'median time of that turn, taken (ms)': result.taken.toFixed(1),
          'median time of that turn, free (ms)': result.free.toFixed(1),
          'timing rule': "judged against the run's own noise by `npm run bench` (BENCHMARKS.md), not here",
        },
      });
    });
  }
});
