import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustomerExport, createCustomerData } from '../core/customer-data';
import type { FileStore } from '../core/ports/file-store';
import type { QueueName } from '../core/ports/job-queue';
import type { StateStore } from '../core/ports/state-store';
import { createAccountRepository } from '../db/account-repository';
import { createCustomerRecords } from '../db/customer-records';
import { type OpenDatabase, openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createDirectoryFileStore } from '../db/files/directory-file-store';
import { createMemoryFileStore } from '../db/files/memory-file-store';
import { openJob } from '../db/jobs/job-rows';
import { rowsOf } from '../db/rows';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { loadConfig } from '../web/config';
import { type DataRequestCommand, runDataRequest } from '../web/data-requests';
import { createKabinet, type Kabinet } from '../web/kabinet';
import { newAccount } from './contracts/account-repository.contract';
import { decideOnReviewPage, webCustomer } from './support/identity-customers';
import { documentPhoto } from './support/images';
import { createTestDatabase, serviceUrl } from './support/services';

const DATA_KEY = Buffer.alloc(32, 44).toString('base64');
const cipher = createFieldCipher(Buffer.from(DATA_KEY, 'base64'));
const run = promisify(execFile);

/**
 * A customer's data request against the service as composed for production: a customer with a full history (signed
 * in on the web chat, a profile, an identity case with pictures decided, a reviewer's comment naming them, a failed
 * sign-in) is exported, then erased; then every table, every state key and every stored file is searched for them.
 * Embedded PGlite and the in-process store by default; real Postgres and Redis when their URLs are set.
 */
describe('customer data requests', () => {
  let kabinet: Kabinet;
  let dataDir: string;
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const redisUrl = serviceUrl('REDIS_URL');
  const redisKeyPrefix = `kabinet-test:customer-data:${Date.now().toString(36)}:`;
  let redis: Redis | undefined;
  /** The service's state store, reached after the service stopped: its own in-process one, or Redis again. */
  let store: StateStore;
  let files: FileStore;
  let env: Record<string, string | undefined>;

  const suffix = Date.now().toString(36);
  const olga = {
    email: `Evdokia.Zagoruyko.${suffix}@Example.ru`,
    phone: `+7916${String(Date.now() % 10_000_000).padStart(7, '0')}`,
    surname: 'Загоруйко',
    givenName: 'Евдокия',
    document: '778899',
    id: '',
  };
  const other = { email: `other.${suffix}@example.ru`, id: '' };
  let olgaFiles: string[] = [];
  let otherFiles: string[] = [];

  async function registered(
    email: string,
    phone: string,
    [surname, givenName]: [string, string],
    number: string,
  ) {
    const { accounts, passwords } = kabinet.services;
    const created = await accounts.createAccount({
      email,
      phone,
      passwordHash: await passwords.hash('Sunflower42'),
      consent: { agreementVersion: '2026-01', acceptedAt: new Date() },
      contactsVerifiedAt: new Date(),
      actor: 'customer:web',
    });
    if (!created.ok) throw new Error(created.error);
    const id = created.value.id;
    await accounts.saveDocument(id, { type: 'ru_passport', series: '4510', number }, 'customer:web');
    await accounts.completeProfile(
      id,
      { surname, givenName, patronymic: null, birthDate: '1990-01-02', sex: 'female' },
      'customer:web',
    );
    return id;
  }

  const approveOnReviewPage = () => decideOnReviewPage(kabinet, { action: 'approve' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kabinet-customer-data-'));
    const databaseUrl = serviceUrl('DATABASE_URL');
    testDatabase = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    env = { DATA_DIR: dataDir, DATABASE_URL: testDatabase?.url, DATA_KEY, DEV_OUTBOX: '1' };
    kabinet = await createKabinet(loadConfig({ ...env, REDIS_URL: redisUrl }), { redisKeyPrefix });
    await kabinet.ready;
    kabinet.startBackground();

    // Olga: registered, a profile, signed in on the web chat, three pictures sent and approved.
    olga.id = await registered(olga.email, olga.phone, [olga.surname, olga.givenName], olga.document);
    const page = webCustomer(kabinet);
    await page.open();
    await page.say('/login');
    await page.say(olga.email);
    await page.say('Sunflower42');
    await page.tap('confirm_identity');
    await page.tap('begin');
    for (const seed of [301, 302, 303]) await page.uploadText(await documentPhoto(seed));
    expect(await page.tap('send')).toContain('Ваша заявка рассматривается');
    await approveOnReviewPage();
    // She asks in the chat, "My account" → "My data", for a copy of her data and for its erasure (confirmed first).
    await page.say('/cancel');
    await page.tap('my_account');
    expect(await page.tap('my_data')).toContain('копию всех данных');
    expect(await page.tap('export')).toContain('Запрос принят');
    await page.tap('my_data');
    expect(await page.tap('erase')).toContain('Удаление нельзя отменить');
    expect(await page.tap('erase')).toContain('Запрос на удаление принят');
    await page.tap('my_data');
    expect(await page.tap('export')).toContain('уже принят');
    // A reviewer's comment naming her, and a failed sign-in under her e-mail from another browser.
    await kabinet.services.accounts.appendAudit({
      accountId: olga.id,
      actor: 'reviewer:U1',
      action: 'identity.commented',
      details: { comment: `${olga.surname} ${olga.givenName}, ${olga.phone}`, caseId: 'x' },
    });
    const stranger = webCustomer(kabinet);
    await stranger.open();
    await stranger.say('/login');
    await stranger.say(olga.email.toLowerCase());
    await stranger.say('Wrong-password-1');

    // Another customer, signed in with one picture of an open case: nothing of theirs may go.
    other.id = await registered(other.email, '+77011234567', ['Другая', 'Мария'], '112233');
    const second = webCustomer(kabinet);
    await second.open();
    await second.say('/login');
    await second.say(other.email);
    await second.say('Sunflower42');
    await second.tap('confirm_identity');
    await second.tap('begin');
    await second.uploadText(await documentPhoto(401));
    await kabinet.settled();

    // The service stops (an embedded PGlite has one user at a time); its in-process state stays readable here.
    const memoryStore = kabinet.store;
    await kabinet.close();
    redis = redisUrl ? createRedisClient(redisUrl, redisKeyPrefix) : undefined;
    store = redis ? createRedisStateStore(redis) : memoryStore;
    files = createDirectoryFileStore(join(dataDir, 'uploads'), Buffer.from(DATA_KEY, 'base64'));
    const records = await withDatabase((database) => {
      const customers = createCustomerRecords(database.db, cipher);
      return Promise.all([customers.recordOf(olga.id), customers.recordOf(other.id)]);
    });
    const fileIds = (record: (typeof records)[number]) =>
      (record?.identityCases ?? []).flatMap((c) =>
        Object.values(c.images).flatMap((i) => [i.fileId, i.previewId]),
      );
    olgaFiles = fileIds(records[0]);
    otherFiles = fileIds(records[1]);
  }, 120_000);

  afterAll(async () => {
    if (redis) await closeRedis(redis);
    await testDatabase?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function withDatabase<T>(use: (database: OpenDatabase) => Promise<T>): Promise<T> {
    const database = await openDatabase({ url: testDatabase?.url, dataDir: join(dataDir, 'pglite') });
    try {
      return await use(database);
    } finally {
      await database.close();
    }
  }

  /** Runs the command as `npm run customer:…` would, on the service's store; its exit code and what it printed. */
  async function request(command: DataRequestCommand, ...args: string[]) {
    let out = '';
    let err = '';
    const code = await runDataRequest(command, args, {
      env,
      store,
      out: (text) => (out += text),
      err: (text) => (err += text),
    });
    return { code, out, err };
  }

  /** Every row of every table (the job queue's included), every state key with its value, every stored file. */
  async function everything() {
    const rows = await withDatabase(async ({ db }) => {
      const tables = rowsOf<{ schema: string; name: string }>(
        await db.execute(sql`select table_schema as schema, table_name as name from information_schema.tables
          where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE' order by 1, 2`),
      );
      const all: { table: string; row: Record<string, unknown> }[] = [];
      for (const { schema, name } of tables)
        for (const row of rowsOf<Record<string, unknown>>(
          await db.execute(sql.raw(`select * from "${schema}"."${name}"`)),
        ))
          all.push({ table: `${schema}.${name}`, row: await unsealed(row) });
      return all;
    });
    const keys: { key: string; value: string }[] = [];
    for (const key of (await store.keys('')).sort()) {
      // Budgets are plain Redis strings, not the store's versioned values: their names are what is looked at.
      const value = await store.get(key).catch(() => null);
      keys.push({ key, value: value?.value ?? '' });
    }
    const stored: { id: string; bytes: string }[] = [];
    for (const id of (await files.storedBefore(new Date(Date.now() + 86_400_000))).sort()) {
      const file = await files.get(id);
      stored.push({ id, bytes: Buffer.from(file?.bytes ?? []).toString('base64') });
    }
    return { rows, keys, stored };
  }

  /** A queued job as its worker reads it: its sealed data opened, so what it names is searched too. */
  async function unsealed(row: Record<string, unknown>) {
    const data = row.data as { sealed?: unknown } | null;
    if (typeof data?.sealed !== 'string' || typeof row.name !== 'string') return row;
    const opened = await openJob(cipher, row.name as QueueName, { sealed: data.sealed });
    return { ...row, data: opened };
  }

  let exported: CustomerExport['data'];
  let pictures: Record<string, Uint8Array>;

  it('lists the requests she made in the chat for the operator, with her contacts', async () => {
    const listed = await request('requests');
    expect(listed.code).toBe(0);
    const lines = listed.out.split('\n').filter((line) => line.includes('UTC'));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `UTC  export  ${olga.email.replace(/\W/g, '.')}  \\${olga.phone}  \\(asked by customer:web\\)`,
          'i',
        ),
      ),
      expect.stringMatching(/UTC {2}erase /),
    ]);
    expect((await request('requests', 'extra')).code).toBe(1);
    // An export that could not be written fulfils nothing: the request stays open.
    const taken = join(dataDir, 'taken.zip');
    await writeFile(taken, 'an earlier export');
    expect((await request('export', olga.email, '--out', taken)).code).toBe(1);
    expect((await request('requests')).out).toContain(' export ');
  });

  it('exports her records, her conversation and her pictures, decrypted, into one archive', async () => {
    const out = join(dataDir, 'olga.zip');
    const done = await request('export', olga.email.toUpperCase(), '--out', out);
    expect(done).toMatchObject({ code: 0, err: '' });
    expect(done.out).toContain('6 picture files');
    const archive = unzipSync(new Uint8Array(await readFile(out)));
    exported = JSON.parse(Buffer.from(archive['data.json'] ?? []).toString('utf8'));
    const { records } = exported;
    expect(records.account.id).toBe(olga.id);
    expect(records.contacts.map((c) => c.value).sort()).toEqual([olga.phone, olga.email].sort());
    expect(records.consents).toHaveLength(1);
    expect(records.profile).toMatchObject({
      surname: olga.surname,
      givenName: olga.givenName,
      document: { type: 'ru_passport', series: '4510', number: olga.document },
    });
    expect(records.sessions.length).toBeGreaterThan(0);
    expect(records.identityCases).toMatchObject([{ status: 'approved' }]);
    expect(records.audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['account.created', 'identity.approved', 'identity.commented']),
    );
    const kinds = exported.state.map((s) => s.key.split(':')[0]);
    expect(kinds).toEqual(expect.arrayContaining(['conv', 'inbox', 'signin-failures']));
    expect(exported.files).toHaveLength(6);
    pictures = Object.fromEntries(Object.entries(archive).filter(([name]) => name.startsWith('images/')));
    expect(Object.keys(pictures)).toHaveLength(6);
    const stored = await Promise.all(olgaFiles.map((id) => files.get(id)));
    const base64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('base64');
    expect(new Set(Object.values(pictures).map(base64))).toEqual(
      new Set(stored.map((f) => base64(f?.bytes))),
    );
    for (const file of stored)
      expect(
        Buffer.from(file?.bytes ?? [])
          .subarray(0, 2)
          .toString('hex'),
      ).toBe('ffd8');
  });

  it('refuses an unknown contact and one that is no contact at all, with exit code 1', async () => {
    expect(await request('export', `nobody.${suffix}@example.ru`)).toMatchObject({
      code: 1,
      err: expect.stringContaining('belongs to no account'),
    });
    expect(await request('erase', 'not a contact')).toMatchObject({
      code: 1,
      err: expect.stringContaining('neither an e-mail nor a mobile phone'),
    });
    expect(await request('erase', olga.email, '--force')).toMatchObject({ code: 1 });
  });

  it('runs as an npm script: a dry run by her phone in another format lists what would go', async () => {
    const local = `8 ${olga.phone.slice(2, 5)} ${olga.phone.slice(5, 8)}-${olga.phone.slice(8, 10)}-${olga.phone.slice(10)}`;
    // Without REDIS_URL the script cannot see the service's in-process state, and says so.
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'web/customer-request.ts', 'erase', local, '--dry-run'],
      {
        env: { ...process.env, ...env, REDIS_URL: '' },
      },
    );
    expect(stderr).toContain('REDIS_URL is not set');
    expect(stdout).toContain('Dry run, nothing changed');
    expect(stdout).toContain('contacts: 2');
    expect(stdout).toContain('their picture files: 6');
    expect(stdout).not.toContain(olga.email);
  });

  it('changes nothing on a dry run', async () => {
    const before = await everything();
    const dry = await request('erase', olga.phone, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/state keys: [1-9]/);
    expect(await everything()).toEqual(before);
  });

  it('erases her: no row, key or file of hers is left but the consent and the audit log', async () => {
    const otherBefore = await withDatabase((database) =>
      createCustomerRecords(database.db, cipher).recordOf(other.id),
    );
    const done = await request('erase', olga.email.toLowerCase());
    expect(done).toMatchObject({ code: 0, err: '' });
    expect(done.out).toContain('Erased:');
    expect(done.out).toMatch(/queued jobs: [1-9]/); // the notice of her approval, at least

    const { rows, keys, stored } = await everything();
    expect(rows.some((r) => r.table.startsWith('pgboss.'))).toBe(true); // the job queue's tables are searched too
    const phoneDigits = olga.phone.slice(1);
    const personal = [
      olga.email.toLowerCase(),
      phoneDigits,
      olga.surname.toLowerCase(),
      olga.givenName.toLowerCase(),
      olga.document,
      ...exported.records.identityCases.map((c) => c.conversationId.toLowerCase()),
      ...olgaFiles.map((id) => id.toLowerCase()),
    ];
    const names = (text: string) => personal.filter((needle) => text.toLowerCase().includes(needle));
    // Her case's id names no one, and stays only where the audit log tells what happened to the case.
    const caseIds = exported.records.identityCases.map((c) => c.id);
    for (const { table, row } of rows)
      if (caseIds.some((id) => JSON.stringify(row).includes(id))) expect(table).toBe('public.audit_log');
    const left = rows.filter(
      ({ row }) => JSON.stringify(row).includes(olga.id) || names(JSON.stringify(row)).length > 0,
    );
    // What is kept: the consent and the audit log, neither naming her but by the account's id.
    for (const { table, row } of left) {
      expect(['public.consents', 'public.audit_log']).toContain(table);
      expect(names(JSON.stringify(row))).toEqual([]);
    }
    expect(left.filter((r) => r.table === 'public.consents')).toHaveLength(1);
    const erased = left.find((r) => r.row.action === 'customer.erased')?.row;
    expect(erased).toMatchObject({ actor: 'operator:cli', account_id: olga.id });
    expect(left.some((r) => r.row.action === 'customer.exported')).toBe(true);
    expect(left.filter((r) => r.table === 'public.audit_log').length).toBeGreaterThanOrEqual(
      exported.records.audit.length + 1,
    );

    expect(
      keys.filter(({ key, value }) => names(key + value).length > 0 || (key + value).includes(olga.id)),
    ).toEqual([]);
    const hers = new Set(Object.values(pictures).map((bytes) => Buffer.from(bytes).toString('base64')));
    expect(stored.filter((file) => olgaFiles.includes(file.id) || hers.has(file.bytes))).toEqual([]);

    // The other customer keeps everything.
    const otherAfter = await withDatabase((database) =>
      createCustomerRecords(database.db, cipher).recordOf(other.id),
    );
    expect(otherAfter).toEqual(otherBefore);
    expect(otherFiles.length).toBe(2);
    for (const id of otherFiles) expect(stored.map((f) => f.id)).toContain(id);
    expect(keys.some(({ value }) => value.includes(other.id))).toBe(true);
  });

  it('leaves no open request once her data is exported and erased', async () => {
    expect((await request('requests')).out).toBe('No open data requests.\n');
  });

  it('finds nothing to erase a second time', async () => {
    expect(await request('erase', olga.phone)).toMatchObject({
      code: 1,
      err: expect.stringContaining('belongs to no account'),
    });
  });
});

/**
 * What is someone else's stays theirs: another customer whose e-mail holds hers (ann@ in joann@), a chat signed in
 * to another account that once typed her e-mail. Her own guest chat typing her e-mail goes with her.
 */
describe('customer data requests keep what is another customer’s', () => {
  let database: OpenDatabase;
  const store = createMemoryStateStore();
  beforeAll(async () => {
    database = await openDatabase({ dataDir: null });
  });
  afterAll(() => database?.close());

  it('erases her conversations only, matching contacts whole', async () => {
    const accounts = createAccountRepository(database, cipher);
    const stamp = Date.now().toString(36);
    const [ann, joann] = await Promise.all(
      [`ann.${stamp}@mail.ru`, `joann.${stamp}@mail.ru`].map(async (email, i) => {
        const created = await accounts.createAccount(
          newAccount({ email, phone: `+7916${stamp.slice(-5)}0${i}` }),
        );
        if (!created.ok) throw new Error(created.error);
        return created.value;
      }),
    );
    if (!ann || !joann) throw new Error('setup failed');
    const state = (account: string | null, email: string) =>
      JSON.stringify({ v: 2, flow: 'sign-in', step: 'password', account, data: { contact: email } });
    await store.compareAndSet('conv:tg:1001', 0, state(ann.id, ann.email), 3600);
    await store.compareAndSet('conv:tg:1002', 0, state(joann.id, joann.email), 3600);
    await store.compareAndSet('conv:tg:1003', 0, state(joann.id, ann.email), 3600); // Joann typed Ann's e-mail
    await store.compareAndSet('conv:web:guest', 0, state(null, ann.email.toUpperCase()), 3600);
    await store.compareAndSet('conv:web:other-guest', 0, state(null, joann.email), 3600);
    const data = createCustomerData({
      records: createCustomerRecords(database.db, cipher),
      audit: accounts,
      files: createMemoryFileStore(),
      store,
      phoneRegion: 'RU',
    });
    const erased = await data.erase(ann.email, { dryRun: false });
    expect(erased.ok).toBe(true);
    const left = await store.keys('conv:');
    expect(left.sort()).toEqual(['conv:tg:1002', 'conv:tg:1003', 'conv:web:other-guest']);
  });
});
