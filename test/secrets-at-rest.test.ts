import { describe, expect, it } from 'vitest';
import { createCodeService } from '../core/codes';
import { createFieldCipher } from '../db/field-cipher';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRateLimiter } from '../db/state/rate-limiter';
import { createInlinePasswordHasher } from '../web/bcrypt-hasher';
import { createWorkerPasswordHasher } from '../web/password-hasher';

describe('personal data cipher', () => {
  const cipher = createFieldCipher(new Uint8Array(32).fill(1));

  it('opens what it sealed, and seals the same value differently each time', async () => {
    const a = await cipher.seal('4510123456', 'profiles.document_number:acc-1');
    const b = await cipher.seal('4510123456', 'profiles.document_number:acc-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('4510123456');
    expect(await cipher.open(a, 'profiles.document_number:acc-1')).toBe('4510123456');
  });

  it('refuses a value moved to another account or column, or tampered with', async () => {
    const sealed = await cipher.seal('123456', 'profiles.document_number:acc-1');
    await expect(cipher.open(sealed, 'profiles.document_number:acc-2')).rejects.toThrow();
    await expect(cipher.open(sealed, 'profiles.document_series:acc-1')).rejects.toThrow();
    // The second-last character carries whole bits of the tag (the last may hold padding bits): flip it for sure.
    const tampered = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    await expect(cipher.open(tampered, 'profiles.document_number:acc-1')).rejects.toThrow();
    await expect(
      createFieldCipher(new Uint8Array(32).fill(2)).open(sealed, 'profiles.document_number:acc-1'),
    ).rejects.toThrow();
  });
});

describe('one-time codes', () => {
  let events = 0;
  const policy = {
    ttlSeconds: 600,
    maxAttempts: 5,
    resendCooldownSeconds: 60,
    sendsPerHour: 5,
    sendsPerConversationPerHour: 3,
    sendsPerClientPerHour: 4,
  };
  /** Codes on a memory store; `budget` overrides the per-contact and per-conversation caps (5 and 3). */
  function codeService(options: { now?: () => number; budget?: number } = {}) {
    const store = createMemoryStateStore({ now: options.now });
    const codes = createCodeService({
      store,
      limiter: createRateLimiter({
        name: `c${Math.random()}`,
        points: options.budget ?? 5,
        durationSeconds: 3600,
      }),
      requesterLimiter: createRateLimiter({
        name: `r${Math.random()}`,
        points: options.budget ?? 3,
        durationSeconds: 3600,
      }),
      clientLimiter: createRateLimiter({
        name: `k${Math.random()}`,
        points: options.budget ?? 4,
        durationSeconds: 3600,
      }),
      secret: new Uint8Array(32).fill(5),
      policy,
      now: options.now,
    });
    return { store, codes };
  }

  it('stores only a keyed hash of the code, and confirms it only for its purpose', async () => {
    const { store, codes } = codeService();
    const issued = await codes.issue('register', 'anna@example.ru', 'web:a', `e${++events}`);
    if (!issued.ok) throw new Error('not issued');
    expect(issued.code).toMatch(/^\d{6}$/);
    expect((await store.get('code:register:anna@example.ru:web:a'))?.value).not.toContain(issued.code);
    expect(await codes.verify('reset', 'anna@example.ru', 'web:a', issued.code)).toEqual({
      ok: false,
      error: 'not_issued',
    });
    expect(await codes.verify('register', 'anna@example.ru', 'web:a', issued.code)).toEqual({ ok: true });
    // Typed again after a failure further on: still right, until it expires.
    expect(await codes.verify('register', 'anna@example.ru', 'web:a', issued.code)).toEqual({ ok: true });
  });

  it('belongs to the conversation that asked: another can neither use it, spend its tries nor replace it', async () => {
    const { codes } = codeService();
    const issued = await codes.issue('register', '+79161234567', 'tg:victim', `e${++events}`);
    if (!issued.ok) throw new Error('not issued');
    for (let i = 0; i < 6; i++) await codes.verify('register', '+79161234567', 'tg:attacker', issued.code);
    expect((await codes.issue('register', '+79161234567', 'tg:attacker', `e${++events}`)).ok).toBe(true);
    expect(await codes.verify('register', '+79161234567', 'tg:victim', issued.code)).toEqual({ ok: true });
  });

  it('caps how many codes one conversation can send, whatever the contacts', async () => {
    const { codes } = codeService();
    for (const n of [1, 2, 3])
      expect((await codes.issue('register', `x${n}@example.ru`, 'web:sprayer', `e${++events}`)).ok).toBe(
        true,
      );
    expect(await codes.issue('register', 'x4@example.ru', 'web:sprayer', `e${++events}`)).toMatchObject({
      ok: false,
      error: 'conversation_cap',
    });
    expect((await codes.issue('register', 'x4@example.ru', 'web:someone-else', `e${++events}`)).ok).toBe(
      true,
    );
  });

  it('gives the same code, at no cost, when the same event asks again (a turn run twice)', async () => {
    const { codes } = codeService();
    const first = await codes.issue('register', 'olga@example.ru', 'web:o', 'update-1');
    const again = await codes.issue('register', 'olga@example.ru', 'web:o', 'update-1');
    expect(again).toEqual(first);
    if (!first.ok) throw new Error('not issued');
    expect(await codes.current('register', 'olga@example.ru', 'web:o', 'update-1')).toBe(first.code);
    // Another event is a new request: it meets the cooldown, and the first code stays the one that works.
    expect(await codes.issue('register', 'olga@example.ru', 'web:o', 'update-2')).toMatchObject({
      ok: false,
      error: 'cooldown',
    });
    expect(await codes.verify('register', 'olga@example.ru', 'web:o', first.code)).toEqual({ ok: true });
  });

  it('spends a code that answered once: it works no more, and the next waits out the pause from its issue', async () => {
    let now = 1_700_000_000_000;
    const { codes } = codeService({ now: () => now });
    const issued = await codes.issue('register', '+77011234567', 'tg:1', 'e-1');
    if (!issued.ok) throw new Error('not issued');
    expect(await codes.verify('register', '+77011234567', 'tg:1', issued.code)).toEqual({ ok: true });
    await codes.spend('register', '+77011234567', 'tg:1');
    expect(await codes.verify('register', '+77011234567', 'tg:1', issued.code)).toEqual({
      ok: false,
      error: 'expired',
    });
    expect(await codes.confirmed('register', '+77011234567', 'tg:1')).toBe(false);
    now += 30_000;
    expect(await codes.issue('register', '+77011234567', 'tg:1', 'e-2')).toMatchObject({
      error: 'cooldown',
      retryAfterSeconds: 30,
      usable: false,
    });
    now += 31_000;
    expect((await codes.issue('register', '+77011234567', 'tg:1', 'e-3')).ok).toBe(true);
  });

  it('never yields an earlier code again for an event id seen before', async () => {
    let now = 1_700_000_000_000;
    const { codes } = codeService({ now: () => now, budget: 50 });
    const first = await codes.issue('register', 'olga@example.ru', 'web:o', 'e-1');
    now += 61_000;
    await codes.issue('register', 'olga@example.ru', 'web:o', 'e-2');
    now += 61_000;
    const reused = await codes.issue('register', 'olga@example.ru', 'web:o', 'e-1');
    expect(first.ok && reused.ok).toBe(true);
    expect(reused).not.toEqual(first);
  });
});

describe('password hashing', () => {
  it.each([
    ['worker threads', () => createWorkerPasswordHasher({ threads: 1 })],
    ['the calling thread', () => ({ ...createInlinePasswordHasher(), close: async () => {} })],
  ])('hashes with bcrypt cost 10 and verifies, on %s', async (_name, create) => {
    const hasher = create();
    try {
      const hash = await hasher.hash('Sunflower42');
      expect(hash).toMatch(/^\$2b\$10\$/);
      expect(hash).not.toContain('Sunflower42');
      expect(await hasher.verify('Sunflower42', hash)).toBe(true);
      expect(await hasher.verify('Sunflower43', hash)).toBe(false);
    } finally {
      await hasher.close();
    }
  });
});
