import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import type { BatchRef, Outlet } from '../core/ports/outlet';
import { batchKey, createReplyDelivery } from '../core/replies';
import { createMemoryJobQueue } from '../db/jobs/memory-job-queue';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createMemoryTicketStore, createTicketLock } from '../db/state/ticket-lock';

/** Reply delivery on the in-process twins, with an outlet that records what a chat was sent. */
function setup() {
  const memory = createMemoryStateStore();
  /** Until this time (epoch ms) the delivery cursor cannot be written: the state store is out. */
  let outUntil = 0;
  const store: typeof memory = {
    ...memory,
    compareAndSet: (key, ...rest) =>
      key.startsWith('sent:') && Date.now() < outUntil
        ? Promise.reject(new Error('connect ECONNREFUSED'))
        : memory.compareAndSet(key, ...rest),
  };
  const queue = createMemoryJobQueue({ delayScale: 0.001 });
  const sent: string[] = [];
  const outlet: Outlet = {
    inline: false,
    async deliver(batch, from, progress) {
      for (let i = from; i < batch.out.length; i++) {
        const message = batch.out[i];
        sent.push(message && 'text' in message ? message.text : '');
        await progress(i + 1);
      }
      return 'delivered';
    },
  };
  const replies = createReplyDelivery({
    outlets: { web: outlet, tg: outlet },
    queue,
    lock: createTicketLock(createMemoryTicketStore()),
    store,
    logger: silentLogger,
    patienceMs: 5,
  });
  /** Saves a batch as the engine does, beside the state. */
  const save = (ref: BatchRef, ...texts: string[]) =>
    store.compareAndSet(
      batchKey(ref),
      0,
      JSON.stringify({ ...ref, out: texts.map((text) => ({ type: 'text', text })) }),
      3600,
    );
  return { queue, replies, sent, save, storeOutFor: (ms: number) => (outUntil = Date.now() + ms) };
}

const ref = (epoch: string, batch: number): BatchRef => ({
  conversationId: 'tg:1',
  channel: 'tg',
  epoch,
  batch,
});

describe('reply delivery', () => {
  it('delivers batches in order, each message once, however often their jobs run', async () => {
    const t = setup();
    await t.replies.work();
    await t.save(ref('e1', 1), 'one', 'two');
    await t.save(ref('e1', 2), 'three');
    // Batch 2's job runs first and delivers batch 1 before it; batch 1's job then has nothing left.
    await t.replies.announce(ref('e1', 2));
    await t.queue.settled();
    await t.replies.announce(ref('e1', 1));
    await t.replies.confirm(ref('e1', 2), 9);
    await t.queue.settled();
    expect(t.sent).toEqual(['one', 'two', 'three']);
  });

  it('sends a message once when the store goes out between its send and its record (records it when back)', async () => {
    const t = setup();
    await t.replies.work();
    await t.save(ref('e9', 1), 'menu', 'question');
    // The lock is taken and the cursor read; the store then fails every record for 3 s.
    t.storeOutFor(3000);
    await t.replies.announce(ref('e9', 1));
    await t.queue.settled();
    expect(t.sent).toEqual(['menu', 'question']);
  });

  it('delivers a batch whose number a turn that never saved had announced, after that job gave up', async () => {
    const t = setup();
    await t.replies.work();
    expect(await t.replies.announce(ref('e1', 1))).toBe(true); // a turn that then failed before its save
    await t.queue.settled(); // its job looked for the batch, retried, and gave up
    expect(t.sent).toEqual([]);
    // The next turn takes the same number: its announcement finds the key taken, so it confirms after saving.
    expect(await t.replies.announce(ref('e1', 1))).toBe(false);
    await t.save(ref('e1', 1), 'hello');
    await t.replies.confirm(ref('e1', 1), 7);
    await t.queue.settled();
    expect(t.sent).toEqual(['hello']);
  });

  it('leaves alone a late job from an earlier life of the conversation', async () => {
    const t = setup();
    await t.replies.work();
    const [older, newer] = ['0000000a1', '0000000b2'];
    await t.save(ref(older, 1), 'old');
    await t.replies.announce(ref(older, 1));
    await t.queue.settled();
    await t.save(ref(newer, 1), 'new');
    await t.replies.announce(ref(newer, 1));
    await t.queue.settled();
    await t.replies.confirm(ref(older, 1), 3); // the earlier life's job, run again late
    await t.queue.settled();
    expect(t.sent).toEqual(['old', 'new']);
  });
});
