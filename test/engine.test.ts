import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine, type EngineOptions } from '../core/engine';
import { defineFlow, type Flow, flowMoves, same } from '../core/flow';
import { menuFlow } from '../core/flows/menu';
import type { Inbound, InboundBody, Outbound } from '../core/messages';
import type { OutgoingBatch } from '../core/ports/outlet';
import type { StateStore } from '../core/ports/state-store';
import { presets } from '../core/presets';
import { decodeState } from '../core/state';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createMemoryTicketStore, createTicketLock, type TicketStore } from '../db/state/ticket-lock';

/**
 * A small form installed as "registration", so the real menu's Register item leads to it: exercises validation,
 * /back, secrets and concurrency independently of the real flows.
 */
type FormData = { name: string; age: number; secretLength: number; notes: string };
type FormStep = 'name' | 'age' | 'secret' | 'notes';
const { goTo } = flowMoves<FormData, FormStep>();

const formFlow: Flow = defineFlow<unknown, FormData, FormStep>({
  name: 'registration',
  first: 'name',
  steps: {
    name: {
      ask: () => ({ text: 'What is your name?' }),
      text: z.string().min(2, 'error.text_empty'),
      handle: (answer) => goTo('age', { name: answer.type === 'text' ? answer.value : '' }),
    },
    age: {
      ask: ({ data }) => ({ text: `How old are you, ${data.name}?` }),
      text: z.coerce.number({ message: 'error.text_expected' }).int('error.text_expected'),
      handle: (answer) => goTo('secret', { age: answer.type === 'text' ? Number(answer.value) : 0 }),
    },
    secret: {
      ask: () => ({ text: 'Your secret word?' }),
      text: z.string(),
      secret: true,
      handle: (answer) => goTo('notes', { secretLength: answer.type === 'text' ? answer.value.length : 0 }),
    },
    notes: {
      ask: ({ data }) => ({ text: `Notes so far: ${data.notes ?? ''}` }),
      text: z.string(),
      async handle(answer, { data }) {
        if (answer.type !== 'text') return same('error.text_expected');
        if (answer.value === 'crash') throw new Error('database is down');
        if (answer.value.startsWith('slow')) await new Promise((r) => setTimeout(r, 20));
        return goTo('notes', { notes: `${data.notes ?? ''}${answer.value};` });
      },
    },
  },
});

function setup(options: Partial<EngineOptions<unknown>> & { tickets?: TicketStore } = {}) {
  let now = Date.parse('2026-11-22T10:00:00Z');
  const store = options.store ?? createMemoryStateStore({ now: () => now });
  /** Batches as the outlet received them. */
  const dispatched: OutgoingBatch[] = [];
  const engine = createEngine({
    flows: [menuFlow, formFlow],
    home: 'menu',
    store,
    lock: createTicketLock(options.tickets ?? createMemoryTicketStore()),
    replies: {
      announce: async () => true,
      confirm: async () => {},
      handOver: async (batch) => {
        dispatched.push(batch);
      },
    },
    services: {},
    preset: presets.soglasie,
    now: () => now,
    idleSeconds: 3600,
    ...options,
  });
  let event = 0;
  const handle = (body: InboundBody, extra: Partial<Inbound> = {}) =>
    engine.handle({
      conversationId: 'c1',
      channel: 'web',
      eventId: `e${++event}`,
      messageId: `m${event}`,
      ...body,
      ...extra,
    } as Inbound);
  const send = async (body: InboundBody, extra: Partial<Inbound> = {}) => (await handle(body, extra)).out;
  const text = (t: string) => send({ type: 'text', text: t });
  const state = async () => decodeState((await store.get('conv:c1'))?.value ?? '');
  return { engine, store, handle, send, text, state, dispatched, tick: (ms: number) => (now += ms) };
}

const texts = (out: Outbound[]) => out.map((m) => ('text' in m ? m.text : m.type));
const last = (out: Outbound[]) => out.at(-1);

async function enterForm(t: ReturnType<typeof setup>) {
  await t.send({ type: 'open' });
  return t.send({ type: 'choice', value: 'register', nonce: '0' });
}

describe('conversation engine', () => {
  it('greets a newcomer in Russian with the insurer’s name and the menu', async () => {
    const out = await setup().send({ type: 'open' });
    expect(texts(out)[0]).toContain('СК «Согласие»');
    expect(last(out)).toMatchObject({
      type: 'choices',
      text: 'Что вы хотите сделать?',
      rows: [
        [{ value: 'register' }],
        [{ value: 'sign_in' }],
        [{ value: 'forgot_password' }],
        [{ value: 'confirm_identity' }],
        [{ value: 'language' }],
      ],
    });
  });

  it('greets in English when the channel says the customer speaks English', async () => {
    const out = await setup().send({ type: 'open' }, { localeHint: 'en-GB' });
    expect(texts(out)[0]).toContain('Soglasie Insurance');
    expect(last(out)).toMatchObject({ text: 'What would you like to do?' });
  });

  it('says honestly that a menu item is coming when its flow is not installed, and shows the menu again', async () => {
    const t = setup();
    await t.send({ type: 'open' });
    const out = await t.send({ type: 'choice', value: 'forgot_password', nonce: '0' });
    expect(texts(out)[0]).toContain('«Я забыл пароль» скоро появится');
    expect(texts(out)[0]).toContain('digital@soglasie.ru');
    expect(last(out)).toMatchObject({ type: 'choices', text: 'Что вы хотите сделать?' });
  });

  it('takes a typed button label as that choice and asks to use a button for anything else', async () => {
    const t = setup();
    await t.send({ type: 'open' });
    expect(texts(await t.text('зарегистрироваться'))).toEqual(['What is your name?']);
    const t2 = setup();
    await t2.send({ type: 'open' });
    const out = await t2.text('хочу полис');
    expect(texts(out)[0]).toBe('Пожалуйста, выберите один из вариантов кнопкой.');
    expect(last(out)).toMatchObject({ type: 'choices' });
  });

  it('answers invalid input with a specific error and the same question, keeping what was collected', async () => {
    const t = setup();
    await enterForm(t);
    await t.text('Anna');
    const out = await t.text('forty');
    expect(texts(out)).toEqual(['Здесь нужен ответ текстом.', 'How old are you, Anna?']);
    expect(texts(await t.text('40'))).toEqual(['Your secret word?']);
    expect((await t.state())?.data).toMatchObject({ name: 'Anna', age: 40 });
  });

  it('refuses empty and overlong text with the reason', async () => {
    const t = setup({ maxTextLength: 10 });
    await enterForm(t);
    expect(texts(await t.text('   '))[0]).toBe('Сообщение пустое — напишите ответ, пожалуйста.');
    expect(texts(await t.text('x'.repeat(11)))[0]).toBe('Слишком длинное сообщение: не больше 10 символов.');
  });

  it('goes back one question per /back, into the menu, and then says there is nothing before', async () => {
    const t = setup();
    await enterForm(t);
    await t.text('Anna');
    expect(texts(await t.text('/back'))).toEqual(['What is your name?']);
    expect(last(await t.text('/back'))).toMatchObject({ text: 'Что вы хотите сделать?' });
    expect(texts(await t.text('/back'))[0]).toBe('Это первый вопрос — назад идти некуда.');
  });

  it('cancels to the menu with /cancel and forgets the answers', async () => {
    const t = setup();
    await enterForm(t);
    await t.text('Anna');
    const out = await t.send({ type: 'command', name: 'cancel' });
    expect(texts(out)[0]).toBe('Хорошо, отменил.');
    expect(last(out)).toMatchObject({ type: 'choices' });
    expect(await t.state()).toMatchObject({ flow: 'menu', data: {}, back: [] });
  });

  it('switches language with /language and repeats the current question in it, keeping the place', async () => {
    const t = setup();
    await enterForm(t);
    await t.text('Anna');
    const picker = last(await t.text('/language'));
    expect(picker).toMatchObject({ type: 'choices', rows: [[{ label: 'Русский' }], [{ label: 'English' }]] });
    const nonce = picker?.type === 'choices' ? picker.nonce : '';
    const out = await t.send({ type: 'choice', value: 'lang:en', nonce });
    expect(texts(out)).toEqual(["Fine, we'll speak English.", 'How old are you, Anna?']);
    expect(texts(await t.text('x'))[0]).toBe('Please answer with text here.');
  });

  it('explains the commands with /help and names unknown commands', async () => {
    const t = setup();
    await t.send({ type: 'open' });
    expect(texts(await t.text('/help'))[0]).toContain('/back');
    expect(texts(await t.text('/frobnicate'))[0]).toBe(
      'Команду /frobnicate я не знаю. Доступны: /start, /cancel, /back, /help, /language, /login, /reset, /logout.',
    );
  });

  it('refuses a tap on a button from an earlier question and repeats the current one', async () => {
    const t = setup();
    await enterForm(t);
    const out = await t.send({ type: 'choice', value: 'register', nonce: '0' });
    expect(texts(out)).toEqual(['Эта кнопка уже устарела. Вот актуальный вопрос:', 'What is your name?']);
    expect((await t.state())?.step).toBe('name');
  });

  it('handles a redelivered event once, handing its saved replies over again under the same batch number', async () => {
    const t = setup();
    await enterForm(t);
    const first = await t.handle({ type: 'text', text: 'Anna' }, { eventId: 'update-7' });
    const again = await t.handle({ type: 'text', text: 'Anna' }, { eventId: 'update-7' });
    expect(texts(first.out)).toEqual(['How old are you, Anna?']);
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await t.state())?.back).toHaveLength(2);
    // The outlet is handed batch 3 twice and, delivering each batch once, shows it once.
    expect(t.dispatched.map((b) => b.batch)).toEqual([1, 2, 3, 3]);
    expect(new Set(t.dispatched.map((b) => b.epoch)).size).toBe(1);
  });

  it('handles two messages arriving at once one after the other, losing neither', async () => {
    const t = setup();
    await enterForm(t);
    for (const answer of ['Anna', '40', 'pw']) await t.text(answer);
    await Promise.all([t.text('slow-1'), t.text('2')]);
    expect((await t.state())?.data.notes).toBe('slow-1;2;');
  });

  it('keeps every message when two engine instances write one conversation', async () => {
    const store = createMemoryStateStore();
    const tickets = createMemoryTicketStore();
    const a = setup({ store, tickets });
    const b = setup({ store, tickets });
    await enterForm(a);
    for (const answer of ['Anna', '40', 'pw']) await a.text(answer);
    await Promise.all([
      a.send({ type: 'text', text: 'slow-a' }, { eventId: 'x1' }),
      b.send({ type: 'text', text: 'b' }, { eventId: 'x2' }),
    ]);
    const notes = String((await a.state())?.data.notes);
    expect(notes.split(';').filter(Boolean).sort()).toEqual(['b', 'slow-a']);
  });

  it('greets afresh, saying so, when the conversation sat idle past its limit', async () => {
    const t = setup();
    await enterForm(t);
    t.tick(3601 * 1000);
    const out = await t.text('Anna');
    expect(texts(out)[0]).toBe('Мы давно не общались, поэтому начнём сначала.');
    expect(last(out)).toMatchObject({ type: 'choices', text: 'Что вы хотите сделать?' });
  });

  it('drops stored state it cannot read (an older version) and greets', async () => {
    const t = setup();
    await t.store.compareAndSet('conv:c1', 0, JSON.stringify({ v: 0, step: 'ancient' }), 60);
    const out = await t.text('hello');
    expect(texts(out)[0]).toContain('Здравствуйте');
  });

  it('keeps the customer’s place and apologises when a step fails', async () => {
    const t = setup();
    await enterForm(t);
    for (const answer of ['Anna', '40', 'pw', 'one']) await t.text(answer);
    const out = await t.text('crash');
    // Said plainly: the answer that met the failure is not kept, the place is, so it is sent again.
    expect(texts(out)[0]).toContain('этот ответ не сохранён');
    expect(texts(out)[0]).toContain('отправьте его ещё раз');
    expect((await t.state())?.data.notes).toBe('one;');
    expect(texts(await t.text('two'))).toEqual(['Notes so far: one;two;']);
  });

  it('deletes a message holding a secret and never stores the secret', async () => {
    const t = setup();
    await enterForm(t);
    await t.text('Anna');
    await t.text('40');
    const out = await t.send({ type: 'text', text: 'Swordfish-42' }, { messageId: 'msg-99' });
    expect(out[0]).toEqual({ type: 'delete-message', messageId: 'msg-99' });
    expect((await t.store.get('conv:c1'))?.value).not.toContain('Swordfish');
  });

  it('reads and writes state once per message, and state stays small however long the dialogue', async () => {
    const inner = createMemoryStateStore();
    const calls = { get: 0, compareAndSet: 0 };
    const store: StateStore = {
      ...inner,
      get(key) {
        calls.get++;
        return inner.get(key);
      },
      compareAndSet(...args) {
        calls.compareAndSet++;
        return inner.compareAndSet(...args);
      },
    };
    const t = setup({ store });
    await enterForm(t);
    await t.text('Anna');
    const sizeAfter = async (n: number) => {
      for (let i = 0; i < n; i++) await t.text(i % 2 ? '/help' : 'not a number');
      return (await inner.get('conv:c1'))?.value.length ?? 0;
    };
    const small = await sizeAfter(10);
    Object.assign(calls, { get: 0, compareAndSet: 0 });
    const large = await sizeAfter(400);
    expect(calls).toEqual({ get: 400, compareAndSet: 400 });
    expect(large).toBeLessThan(small + 200);
    expect(large).toBeLessThan(2048);
  });
});

describe('error descriptions for the logs', () => {
  it('keep a failed query’s statement and cause but drop its parameters', async () => {
    const { describeError } = await import('../core/logger');
    const failed = Object.assign(
      new Error(
        'Failed query: insert into "accounts" ("password_hash") values ($1)\nparams: $2b$10$secrethash,anna@example.ru',
      ),
      { name: 'DrizzleQueryError', cause: Object.assign(new Error('boom'), { code: '57P01' }) },
    );
    const line = describeError(failed);
    expect(line).toBe(
      'DrizzleQueryError: Failed query: insert into "accounts" ("password_hash") values ($1) (cause: 57P01)',
    );
    expect(line).not.toContain('anna@example.ru');
  });
});

describe('typed flows', () => {
  it('refuses, when compiling, a step the flow does not have and a field it does not collect', () => {
    const { goTo, backTo } = flowMoves<{ email: string; phone: string }, 'email' | 'phone'>();
    // @ts-expect-error: 'phnoe' is no step of this flow
    goTo('phnoe');
    // @ts-expect-error: the flow collects no `emial`
    backTo('email', { emial: 'anna@example.ru' });
    expect(goTo('phone', { email: 'anna@example.ru' })).toEqual({
      to: 'step',
      step: 'phone',
      set: { email: 'anna@example.ru' },
      say: undefined,
    });
  });
});
