import { availableParallelism } from 'node:os';
import { createEngine } from '../core/engine';
import { flowsFor, homeFlow } from '../core/flows';
import type { PasswordHasher } from '../core/ports/password-hasher';
import { presets } from '../core/presets';
import type { Services } from '../core/services';
import { createFieldCipher } from '../db/field-cipher';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createInlinePasswordHasher } from '../web/bcrypt-hasher';
import { createWorkerPasswordHasher } from '../web/password-hasher';
import { fmt, inProcess, percentile, type Section, sleep, verdict } from './support';

const SECONDS = 10;
const REGISTRATIONS_PER_SECOND = 10;
const ORDINARY_EVERY_MS = 10;

/**
 * Latencies (ms) of ordinary steps in other chats — a mistyped e-mail answered with an error — sent every 20 ms,
 * while `registrationsPerSecond` customers type a password and its repeat (a bcrypt hash and a compare each).
 */
async function scenario(hasher: PasswordHasher, registrationsPerSecond: number) {
  const store = createMemoryStateStore();
  const services = {
    passwords: hasher,
    sealer: createFieldCipher(new Uint8Array(32).fill(1)),
  } as unknown as Services;
  const engine = createEngine({
    flows: flowsFor(presets.soglasie),
    home: homeFlow,
    store,
    services,
    preset: presets.soglasie,
    ...inProcess(),
  });
  let event = 0;
  const send = (conversationId: string, text: string) =>
    engine.handle({ conversationId, channel: 'web', eventId: `e${++event}`, type: 'text', text });
  async function atEmailStep(id: string) {
    await engine.handle({ conversationId: id, channel: 'web', type: 'open' });
    await engine.handle({
      conversationId: id,
      channel: 'web',
      type: 'choice',
      value: 'register',
      nonce: '0',
    });
  }
  const registering = Array.from({ length: SECONDS * registrationsPerSecond + 5 }, (_, i) => `reg${i}`);
  for (const id of registering) {
    await atEmailStep(id);
    await send(id, `customer${id}@example.ru`);
    await send(id, `+7916${String(1_000_000 + Number(id.slice(3))).slice(-7)}`);
  }
  const others = Array.from({ length: 20 }, (_, i) => `other${i}`);
  for (const id of others) await atEmailStep(id);

  const latencies: number[] = [];
  const registrationTimes: number[] = [];
  const pending: Promise<unknown>[] = [];
  const end = performance.now() + SECONDS * 1000;
  let nextOrdinary = performance.now();
  let nextRegistration = performance.now();
  let r = 0;
  let o = 0;
  while (performance.now() < end) {
    const t = performance.now();
    if (registrationsPerSecond > 0 && t >= nextRegistration) {
      const id = registering[r++] as string;
      const due = nextRegistration;
      pending.push(
        send(id, 'Sunflower42')
          .then(() => send(id, 'Sunflower42'))
          .then(() => registrationTimes.push(performance.now() - due)),
      );
      nextRegistration += 1000 / registrationsPerSecond;
    }
    // Every message that fell due is sent, and timed from when it was due: a blocked event loop shows up as
    // latency instead of as messages never sent (coordinated omission).
    while (t >= nextOrdinary) {
      const id = others[o++ % others.length] as string;
      const due = nextOrdinary;
      pending.push(send(id, 'not an e-mail').then(() => latencies.push(performance.now() - due)));
      nextOrdinary += ORDINARY_EVERY_MS;
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { others: latencies.sort((a, b) => a - b), registrations: registrationTimes.sort((a, b) => a - b) };
}

export async function hashing(): Promise<Section> {
  const production = createWorkerPasswordHasher();
  const oneWorker = createWorkerPasswordHasher({ threads: Math.max(1, availableParallelism() - 1) });
  const inline = createInlinePasswordHasher();
  try {
    await scenario(production, 2); // warm the pool and the JIT
    const idle = (await scenario(production, 0)).others;
    const threads = availableParallelism();
    const withProduction = await scenario(production, REGISTRATIONS_PER_SECOND);
    const withFewer = await scenario(oneWorker, REGISTRATIONS_PER_SECOND);
    const onLoop = await scenario(inline, REGISTRATIONS_PER_SECOND);
    const row = (name: string, run: { others: number[]; registrations: number[] }) =>
      `| ${name} | ${run.others.length} | ${fmt(percentile(run.others, 50))} | ${fmt(percentile(run.others, 99))} | ${fmt(percentile(run.others, 99) / percentile(idle, 99))}× | ${fmt(percentile(run.registrations, 50))} |`;
    const ratio = percentile(withProduction.others, 99) / percentile(idle, 99);
    return {
      title: 'Hashing off the event loop',
      body: `Other chats' ordinary steps (a mistyped e-mail, answered with an error) every ${ORDINARY_EVERY_MS} ms for ${SECONDS} s,
idle and while ${REGISTRATIONS_PER_SECOND} registrations a second type a password and its repeat (bcrypt cost 10: a hash and a
compare each). In process, memory state; bcrypt in the worker-thread pool, or for contrast on the event loop
(bcryptjs async). Latency is timed from when each message fell due, so a blocked loop cannot hide it.

| load | other chats' replies | p50 ms | p99 ms | p99 ÷ idle | a registration's password + repeat, p50 ms |
|---|---:|---:|---:|---:|---:|
${row('idle', { others: idle, registrations: [] })}
${row(`${REGISTRATIONS_PER_SECOND} registrations/s, bcrypt in ${threads} worker threads at nice 10 (production)`, withProduction)}
${row(`${REGISTRATIONS_PER_SECOND} registrations/s, bcrypt in ${Math.max(1, threads - 1)} worker thread(s) at nice 10`, withFewer)}
${row(`${REGISTRATIONS_PER_SECOND} registrations/s, bcrypt on the event loop`, onLoop)}

- ${verdict(ratio <= 2, `p99 with hashing in workers ÷ idle = ${fmt(ratio)}, goal ≤ 2×`)}`,
    };
  } finally {
    await Promise.all([production.close(), oneWorker.close()]);
  }
}
