import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createOutbox } from '../../bots/outbox/outbox';
import { type Logger, silentLogger } from '../../core/logger';
import type { Inbound, InboundBody, Outbound } from '../../core/messages';
import type { AccountRepository } from '../../core/ports/accounts';
import type { FileStore } from '../../core/ports/file-store';
import type { IdentityCaseRepository } from '../../core/ports/identity-cases';
import type { Outlet } from '../../core/ports/outlet';
import type { StateStore } from '../../core/ports/state-store';
import { type InsurerPreset, presets } from '../../core/presets';
import { DELIVERY_LEASE_MS } from '../../core/replies';
import { createAccountRepository } from '../../db/account-repository';
import { openDatabase } from '../../db/database';
import { createFieldCipher } from '../../db/field-cipher';
import { createMemoryFileStore } from '../../db/files/memory-file-store';
import { createIdentityCaseRepository } from '../../db/identity-case-repository';
import { afterCommitJobWriter, type JobWriter, noJobWriter } from '../../db/jobs/job-writer';
import { createMemoryJobQueue } from '../../db/jobs/memory-job-queue';
import { createMemoryStateStore } from '../../db/state/memory-state-store';
import { createRateLimiter } from '../../db/state/rate-limiter';
import { createRedisStateStore } from '../../db/state/redis-state-store';
import { createMemoryTicketStore, createTicketLock, type TurnTiming } from '../../db/state/ticket-lock';
import { createInlinePasswordHasher } from '../../web/bcrypt-hasher';
import { deferredPort } from '../../web/deferred-port';
import { createSharpPreparer } from '../../web/images/sharp-preparer';
import { createRuntime } from '../../web/runtime';
import { codeIn } from './fake-gateways';
import { createTestDatabase, serviceUrl } from './services';

/**
 * One PGlite per test file (it costs ~2 s and ~700 MB), or with `postgres` a database of its own on the real
 * Postgres when DATABASE_URL is set (CI); each harness gets its own state, clock and outbox.
 */
export async function openTestRecords(options: { postgres?: boolean } = {}) {
  const url = options.postgres ? serviceUrl('DATABASE_URL') : undefined;
  const testDatabase = url ? await createTestDatabase(url) : null;
  const database = await openDatabase(testDatabase ? { url: testDatabase.url } : { dataDir: null });
  const accounts = createAccountRepository(database, createFieldCipher(new Uint8Array(32).fill(3)));
  return {
    accounts,
    cases: createIdentityCaseRepository(database.db, noJobWriter),
    /** The cases as a runtime uses them: what a change names is queued on `jobs`. */
    casesWith: (jobs: JobWriter) => createIdentityCaseRepository(database.db, jobs),
    database,
    async close() {
      await database.close();
      await testDatabase?.drop();
    },
  };
}

/**
 * The test file's records: opened before its tests and closed after them. `accounts` may be called before they
 * are open and waits for them (the same deferred port the service uses while records start); `database()` is
 * there for what a test reads or changes directly.
 */
export function useTestRecords(options: { postgres?: boolean } = {}) {
  let records: Awaited<ReturnType<typeof openTestRecords>> | undefined;
  let open: (opened: Awaited<ReturnType<typeof openTestRecords>>) => void = () => {};
  const opened = new Promise<Awaited<ReturnType<typeof openTestRecords>>>((resolve) => {
    open = resolve;
  });
  beforeAll(async () => {
    records = await openTestRecords(options);
    open(records);
  });
  afterAll(() => records?.close());
  return {
    accounts: deferredPort(opened.then((r) => r.accounts)),
    /** For reading and changing cases directly; a harness is given `casesWith`. */
    cases: deferredPort(opened.then((r) => r.cases)),
    casesWith: (jobs: JobWriter) =>
      deferredPort<IdentityCaseRepository>(opened.then((r) => r.casesWith(jobs))),
    database() {
      if (!records) throw new Error('the records open before the tests');
      return records.database;
    },
  };
}

/** The test file's accounts (see `useTestRecords`). */
export const useTestAccounts = (options: { postgres?: boolean } = {}): AccountRepository =>
  useTestRecords(options).accounts;

export interface HarnessOptions {
  /** State, locks and limits on this Redis (its key prefix keeps tests apart) instead of in memory. */
  redis?: Redis;
  /** Names budgets alike in several harnesses, so two engine instances share them (on one Redis). */
  limiterPrefix?: string;
  /** Another harness's store: two engine instances sharing one state store. */
  store?: StateStore;
  /** Where the runtime logs (silent by default). */
  logger?: Logger;
  /** The clock's start, epoch ms. */
  startAt?: number;
  /**
   * Identity cases on the test's records (`useTestRecords().casesWith`), given the harness's queue; without them
   * the identity flow is not wired.
   */
  cases?: (jobs: JobWriter) => IdentityCaseRepository;
  /** Where identity images are kept (in memory by default). */
  files?: FileStore;
  /**
   * The turn lock's timing: fuzzing sends a chat's next update the moment the last is answered, which would pay
   * the hold-back meant for updates crossing between instances every time.
   */
  turnTiming?: Partial<TurnTiming>;
}

let unique = 0;
/** Contacts no other test uses, so tests can share one database. */
export function freshContacts() {
  unique++;
  const n = `${Date.now() % 1_000_000}${unique}`.padStart(7, '0').slice(-7);
  return {
    email: `anna.${n}.${unique}@Example.RU`,
    phone: `+7 916 ${n.slice(0, 3)}-${n.slice(3, 5)}-${n.slice(5)}`,
  };
}

/**
 * The engine with every flow and real services (PGlite records, memory state, rate limiter, inline bcrypt),
 * wired by the service's own `createRuntime`; mail and SMS caught by an outbox, queued work run in process, and
 * a clock the test moves. Each `send` returns once the turn's queued work (codes, notices) is done.
 */
export function createFlowHarness(
  accounts: AccountRepository,
  preset: InsurerPreset = presets.soglasie,
  options: HarnessOptions = {},
) {
  let now = options.startAt ?? Date.parse('2026-11-22T10:00:00Z');
  const clock = () => now;
  // On Redis, TTLs run on Redis's clock, not the test's: tests there do not move time past a TTL.
  const memory =
    options.store ??
    (options.redis ? createRedisStateStore(options.redis) : createMemoryStateStore({ now: clock }));
  let failWrites = 0;
  // The state store, with a switch to make the next conversation saves fail (an outage of Redis).
  const store: StateStore = {
    ...memory,
    compareAndSet: (key, ...rest) => {
      if (failWrites > 0 && key.startsWith('conv:')) {
        failWrites--;
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      }
      return memory.compareAndSet(key, ...rest);
    },
  };
  const outbox = createOutbox({ print: () => {} });
  const mailer = { ...outbox.mailer };
  const sms = { ...outbox.sms };
  const queue = createMemoryJobQueue({ delayScale: 0.001 });
  /** What each conversation was shown, batch by batch, as its outlet delivered it. */
  const shown = new Map<string, Outbound[]>();
  const outlet: Outlet = {
    inline: true,
    async deliver(batch) {
      shown.set(batch.conversationId, [...(shown.get(batch.conversationId) ?? []), ...batch.out]);
      return 'delivered';
    },
  };
  const hasher = createInlinePasswordHasher(4);
  let passwordChecks = 0;
  const runtime = createRuntime({
    preset,
    store,
    lock: createTicketLock(createMemoryTicketStore(), options.turnTiming),
    deliveryLock: createTicketLock(createMemoryTicketStore(), { leaseMs: DELIVERY_LEASE_MS }),
    queue,
    outlets: { web: outlet, tg: outlet },
    accounts,
    identity: {
      cases:
        options.cases?.(afterCommitJobWriter(queue)) ??
        unwired<IdentityCaseRepository>('identity cases (pass `cases` to the harness)'),
      files: options.files ?? createMemoryFileStore(),
      images: createSharpPreparer(),
    },
    mailer,
    sms,
    // Counted: how many passwords were really checked is what brute-force tests measure.
    passwords: {
      hash: (password) => hasher.hash(password),
      verify: (password, hash) => {
        passwordChecks++;
        return hasher.verify(password, hash);
      },
    },
    sealer: createFieldCipher(new Uint8Array(32).fill(6)),
    limiter: (name, points, durationSeconds) =>
      createRateLimiter({
        name: options.limiterPrefix ? `${options.limiterPrefix}${name}` : `${name}-${Math.random()}`,
        points,
        durationSeconds,
        redis: options.redis,
      }),
    codeSecret: new Uint8Array(32).fill(9),
    activationSecret: new Uint8Array(32).fill(11),
    publicUrl: 'http://localhost:3000',
    logger: options.logger ?? silentLogger,
    now: clock,
  });
  void runtime.startWorkers();
  const { engine, services } = runtime;

  /** A customer in one conversation; remembers the last buttons' nonce like a chat client does. */
  function customer(
    conversationId = `web:c${Math.random().toString(36).slice(2)}`,
    from: { client?: string } = {},
  ) {
    let nonce: string | undefined;
    let event = 0;
    let turnMs = 0;
    const send = async (body: InboundBody) => {
      const started = performance.now();
      const { out } = await engine.handle({
        conversationId,
        channel: conversationId.startsWith('tg:') ? 'tg' : 'web',
        eventId: `e${++event}`,
        messageId: `m${event}`,
        client: from.client,
        ...body,
      } as Inbound);
      turnMs = performance.now() - started;
      await queue.settled();
      for (const message of out) if (message.type === 'choices') nonce = message.nonce;
      return out;
    };
    const latestNonce = () => (shown.get(conversationId) ?? []).findLast((m) => m.type === 'choices')?.nonce;
    return {
      conversationId,
      send,
      text: (text: string) => send({ type: 'text', text }),
      /** Taps a button of the latest question shown, as a chat client does (a notice may have asked a new one). */
      choose: (value: string) => send({ type: 'choice', value, nonce: latestNonce() ?? nonce }),
      open: () => send({ type: 'open' }),
      /** How long the last message's turn took, up to its reply (not the queued work after it). */
      lastTurnMs: () => turnMs,
      /** Everything this conversation was shown, notices included. */
      shown: () => shown.get(conversationId) ?? [],
    };
  }

  /** The newest code sent to `to` (an e-mail or an E.164 phone). */
  function lastCode(to: string): string {
    const message = outbox.list().find((entry) => entry.to === to);
    if (!message) throw new Error(`nothing was sent to ${to}`);
    return codeIn(message.text);
  }

  return {
    engine,
    store,
    outbox,
    /** The gateways the code queue sends through; a test may replace `send` to make them fail. */
    mailer,
    sms,
    queue,
    services,
    /** Staff's side of identity cases, as the review page and Slack use it. */
    review: runtime.review,
    customer,
    lastCode,
    /** How many passwords this instance has checked against a hash. */
    passwordChecks: () => passwordChecks,
    tick: (ms: number) => {
      now += ms;
    },
    failNextSaves: (count = 1) => {
      failWrites = count;
    },
  };
}

/** The texts of replies, each message's text or its type. */
export const texts = (out: Outbound[]) => out.map((m) => ('text' in m ? m.text : m.type));
/** All reply texts joined, for `toContain`. */
export const said = (out: Outbound[]) => texts(out).join('\n');
export const question = (out: Outbound[]) => texts(out).at(-1) ?? '';

/** A port a test did not wire: any call fails and says what to pass. */
function unwired<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: () => () => Promise.reject(new Error(`${what} are not wired in this harness`)),
  });
}
