import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strToU8, type Zippable, zipSync } from 'fflate';
import {
  type CustomerData,
  createCustomerData,
  type DataRequestError,
  type ErasureReport,
} from '../core/customer-data';
import { describeError } from '../core/logger';
import type { OpenDataRequest } from '../core/ports/customer-records';
import type { StateStore } from '../core/ports/state-store';
import { presets } from '../core/presets';
import { createAccountRepository } from '../db/account-repository';
import { createCustomerRecords } from '../db/customer-records';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { createDirectoryFileStore } from '../db/files/directory-file-store';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { closeRedis, createRedisClient } from '../db/state/redis';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { type Config, ConfigError, loadConfig } from './config';
import { resolveDataKey } from './data-key';

export type DataRequestCommand = 'export' | 'erase' | 'requests';

export interface DataRequestIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  /** The state store to sweep instead of the one REDIS_URL names (tests: the in-process store of a service). */
  store?: StateStore;
  /** Prefix of Redis keys (default `kabinet:`), as the service was given. */
  redisKeyPrefix?: string;
}

/** Exit codes: done, not found or bad input (told why), a failure (an outage, a defect). */
export const EXIT = { done: 0, refused: 1, failed: 2 } as const;

const usage = {
  export: 'Usage: npm run customer:export -- <e-mail or phone> [--out file.zip]',
  erase: 'Usage: npm run customer:erase -- <e-mail or phone> [--dry-run]',
  requests: 'Usage: npm run customer:requests',
};

const refusals: Record<DataRequestError, string> = {
  invalid_contact: 'is neither an e-mail nor a mobile phone number',
  not_found: 'belongs to no account (nothing is held under it, or it was erased)',
};

/**
 * `npm run customer:requests`, `customer:export` and `customer:erase` (README: "Customer data requests"), on the service's
 * DATABASE_URL, DATA_DIR, DATA_KEY and REDIS_URL. Prints what it did; asks nothing. Returns the exit code.
 */
export async function runDataRequest(command: DataRequestCommand, args: string[], io: DataRequestIo) {
  const parsed = command === 'requests' ? parseNone(args) : parseArgs(command, args);
  if (!parsed.ok) {
    io.err(`${parsed.message}\n${usage[command]}\n`);
    return EXIT.refused;
  }
  const { contact, out, dryRun } = parsed;
  try {
    const config = loadConfig(io.env);
    const dataKey = await resolveDataKey(config);
    const cipher = createFieldCipher(dataKey);
    const database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: join(config.DATA_DIR, 'pglite'),
    });
    try {
      const records = createCustomerRecords(database.db, cipher);
      if (command === 'requests') {
        io.out(describeRequests(await records.openRequests()));
        return EXIT.done;
      }
      return await onCustomer(
        command === 'export' ? 'export' : 'erase',
        contact,
        { out, dryRun },
        {
          io,
          config,
          data: (store) =>
            createCustomerData({
              records,
              audit: createAccountRepository(database, cipher),
              files: createDirectoryFileStore(join(config.DATA_DIR, 'uploads'), dataKey),
              store,
              phoneRegion: presets[config.INSURER].phoneRegion,
            }),
        },
      );
    } finally {
      await database.close();
    }
  } catch (error) {
    // A failed query's message quotes its parameters (contact keys): only the error's kind and statement.
    io.err(`${describeError(error)}\n`);
    return error instanceof ConfigError || (error as NodeJS.ErrnoException).code === 'EEXIST'
      ? EXIT.refused
      : EXIT.failed;
  }
}

/** Export or erasure of one customer, over the state store the service uses (Redis, when it has one). */
async function onCustomer(
  command: 'export' | 'erase',
  contact: string,
  { out, dryRun }: { out?: string; dryRun: boolean },
  deps: { io: DataRequestIo; config: Config; data: (store: StateStore) => CustomerData },
) {
  const { io } = deps;
  const redis =
    !io.store && deps.config.REDIS_URL
      ? createRedisClient(deps.config.REDIS_URL, io.redisKeyPrefix)
      : undefined;
  if (!io.store && !redis)
    io.err(
      'REDIS_URL is not set: conversation state lives in the running service (in-process) and is not reached ' +
        'from here; it expires within 48 hours.\n',
    );
  try {
    const data = deps.data(io.store ?? (redis ? createRedisStateStore(redis) : createMemoryStateStore()));
    if (command === 'export') {
      const exported = await data.exportData(contact);
      if (!exported.ok) return refuse(io, contact, exported.error);
      const file = out ?? `customer-export-${new Date().toISOString().replace(/[:.]/g, '-')}.zip`;
      const entries: Zippable = { 'data.json': strToU8(JSON.stringify(exported.value.data, null, 2)) };
      // Pictures are JPEG already: stored, not compressed again.
      for (const picture of exported.value.files) entries[picture.path] = [picture.bytes, { level: 0 }];
      // Never over an existing file, and readable by its owner only: it holds a passport.
      await writeFile(file, zipSync(entries), { flag: 'wx', mode: 0o600 });
      await exported.value.delivered();
      io.out(
        `Exported to ${file}: data.json and ${exported.value.files.length} picture files ` +
          '(recorded in the audit log as customer.exported).\n',
      );
    } else {
      const erased = await data.erase(contact, { dryRun });
      if (!erased.ok) return refuse(io, contact, erased.error);
      io.out(describeErasure(erased.value, dryRun));
    }
    return EXIT.done;
  } finally {
    if (redis) await closeRedis(redis);
  }
}

function refuse(io: DataRequestIo, contact: string, error: DataRequestError) {
  io.err(`"${contact}" ${refusals[error]}.\n`);
  return EXIT.refused;
}

/** The requests customers made in the chat and no command has fulfilled yet, oldest first, with whom to answer. */
export function describeRequests(open: OpenDataRequest[]): string {
  if (open.length === 0) return 'No open data requests.\n';
  const lines = open.map(
    (r) =>
      `${r.since.toISOString().slice(0, 16).replace('T', ' ')} UTC  ${r.kind === 'export' ? 'export' : 'erase '}  ` +
      `${r.contacts.map((c) => c.value).join('  ') || '(no contact left)'}  (asked by ${r.actor})`,
  );
  return `${open.length} open data request${open.length === 1 ? '' : 's'} (fulfil with customer:export or customer:erase, then answer by e-mail):\n${lines.join('\n')}\n`;
}

const parseNone = (args: string[]): ParsedArgs =>
  args.length === 0
    ? { ok: true, contact: '', dryRun: false }
    : { ok: false, message: 'No arguments expected' };

type ParsedArgs =
  | { ok: true; contact: string; out?: string; dryRun: boolean }
  | { ok: false; message: string };

function parseArgs(command: DataRequestCommand, args: string[]): ParsedArgs {
  let contact: string | undefined;
  let out: string | undefined;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (command === 'erase' && arg === '--dry-run') dryRun = true;
    else if (command === 'export' && arg === '--out') {
      out = args[++i];
      if (!out) return { ok: false, message: '--out needs a file name' };
    } else if (arg.startsWith('--')) return { ok: false, message: `Unknown option ${arg}` };
    else if (contact !== undefined) return { ok: false, message: 'One contact at a time' };
    else contact = arg;
  }
  return contact?.trim() ? { ok: true, contact, out, dryRun } : { ok: false, message: 'No contact given' };
}

/** Counts and kinds only: the operator typed the contact, and nothing else of the customer's is printed. */
export function describeErasure(report: ErasureReport, dryRun: boolean): string {
  const { records } = report;
  const keys = Object.entries(report.stateKeys)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const lines = [
    dryRun ? 'Dry run, nothing changed. Erasing would remove:' : 'Erased:',
    `  contacts: ${records.contacts}`,
    `  profile: ${records.profile}`,
    `  sessions: ${records.sessions}`,
    `  activation links: ${records.activationLinks}`,
    `  identity cases: ${records.identityCases}, their picture files: ${report.files}`,
    `  policies: ${records.policies}`,
    `  queued jobs: ${records.jobs}`,
    `  state keys: ${Object.values(report.stateKeys).reduce((a, b) => a + b, 0)}${keys ? ` (${keys})` : ''}`,
    `  audit entries with personal details ${dryRun ? 'to redact' : 'redacted'}: ${records.auditEntriesRedacted}`,
    `${dryRun ? 'Would keep' : 'Kept'}: the consent records (naming the account's id only) and the audit log` +
      `${dryRun ? '' : ', with an entry customer.erased'}.`,
  ];
  return `${lines.join('\n')}\n`;
}
