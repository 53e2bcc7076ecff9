import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createEngine, type Engine } from '../core/engine';
import { flows, homeFlow } from '../core/flows';
import { type Logger, silentLogger } from '../core/logger';
import type { StateStore } from '../core/ports/state-store';
import { presets } from '../core/presets';
import type { Services } from '../core/services';
import { createAccountRepository } from '../db/account-repository';
import { openDatabase } from '../db/database';
import { createMemoryStateStore } from '../db/state/memory-state-store';
import { createRedisStateStore } from '../db/state/redis-state-store';
import { createApp } from './app';
import { createChatInbox } from './chat/inbox';
import type { Config } from './config';
import { resolveDataKey } from './data-key';
import { deferredPort } from './deferred-port';

/** Idle conversations (and their web chat history) expire after this. Seconds. */
export const IDLE_SECONDS = 24 * 60 * 60;

export interface Kabinet {
  app: Hono;
  engine: Engine;
  services: Services;
  store: StateStore;
  /** Which implementation backs each port, for the start-up banner. */
  backends: { records: 'postgres' | 'pglite'; state: 'redis' | 'memory' };
  /** Resolves when records are open and migrated; rejects when they cannot be (the service should stop). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The composition root: config in, a running service out. No module keeps a singleton. */
export async function createKabinet(config: Config, options: { logger?: Logger } = {}): Promise<Kabinet> {
  const logger = options.logger ?? silentLogger;
  const dataKey = await resolveDataKey(config);
  // Records open in the background so the chat answers at once; steps that need them wait.
  const opening = openDatabase({ url: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') }).then(
    createAccountRepository,
  );
  const accounts = deferredPort(opening);
  let recordsOpen = false;
  void opening.then(
    () => (recordsOpen = true),
    () => {},
  );
  const records = config.DATABASE_URL ? 'postgres' : 'pglite';
  const store = config.REDIS_URL
    ? createRedisStateStore({ url: config.REDIS_URL })
    : createMemoryStateStore();
  const services: Services = { accounts };
  const engine = createEngine({
    flows,
    home: homeFlow,
    store,
    services,
    preset: presets[config.INSURER],
    idleSeconds: IDLE_SECONDS,
    logger,
  });
  const app = createApp({
    engine,
    inbox: createChatInbox(store, IDLE_SECONDS),
    sessionSecret: deriveSecret(dataKey, 'web-session-cookie'),
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
    dependencies: [
      {
        name: records,
        ping: async () => {
          if (!recordsOpen) throw new Error('records are still opening');
          await accounts.ping();
        },
      },
      { name: config.REDIS_URL ? 'redis' : 'memory', ping: store.ping },
    ],
    logger,
  });
  return {
    app,
    engine,
    services,
    store,
    backends: { records, state: config.REDIS_URL ? 'redis' : 'memory' },
    ready: opening.then(() => undefined),
    async close() {
      await Promise.allSettled([store.close(), opening.then((opened) => opened.close())]);
    },
  };
}

/** A purpose-bound key from DATA_KEY, so one secret serves several uses without reusing it directly. */
function deriveSecret(dataKey: Uint8Array, purpose: string): string {
  return createHmac('sha256', dataKey).update(`kabinet:${purpose}`).digest('base64url');
}
