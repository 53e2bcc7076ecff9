import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

/**
 * A private Redis and a private Postgres for one test file, each on a free loopback port of its own, started and
 * stopped by the test (the shared services on 6379 and 5432 are never touched), and the service process with its
 * exit watched. Everything is killed by PID and its temporary directory removed by `close()`.
 */

const root = join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const REDIS_SERVER = '/usr/bin/redis-server';

/** The directory holding initdb and postgres, or null when this machine has none. */
export function postgresBinDir(): string | null {
  const candidates = ['/usr/local/bin'];
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian packages
  }
  return (
    candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) ?? null
  );
}

/**
 * A free loopback port below Linux's ephemeral range (32768+): a dependency restarted on the same port after a
 * pause must find it free, and the kernel never hands these out to the outgoing connections made meanwhile.
 */
export async function freeFixedPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port found');
}

/** A child process of ours: its output (the last 200 kB), its exit, and a stop by PID with a SIGKILL fallback. */
export interface Watched {
  pid: number;
  output(): string;
  /** The exit code (or signal) once it has exited, else null. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Sends `signal`, then SIGKILL if it has not exited after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

function watch(child: ChildProcess, name: string): Watched {
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const pid = child.pid;
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  return {
    pid,
    output: () => output,
    exited: () => exit,
    async stop(signal = 'SIGTERM', graceMs = 8000) {
      if (exit) return;
      try {
        process.kill(pid, signal);
      } catch {
        return; // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, ms: number, log: () => string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not come up within ${ms} ms:\n${log().slice(-3000)}`);
}

/** Whether something on the port answers a Redis PING with PONG (not LOADING, not refused). */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** The running server, or null while stopped. */
  process(): Watched | null;
  /** Stops the server (SIGTERM by default; SIGKILL after 5 s); resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory (its append-only file brings the data back). */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

/**
 * Redis as production runs it: append-only file, fsync at every write, in a temporary directory. So a stop and a
 * restart on the same port keeps the data, as a real outage of a persistent Redis would.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: cannot start a private Redis`);
  const dir = await mkdtemp(join(tmpdir(), 'kabinet-outage-redis-'));
  const port = await freeFixedPort();
  let current: Watched | null = null;
  const start = async () => {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const watched = watch(child, 'redis-server');
    current = watched;
    await until(
      'private Redis',
      async () => {
        if (watched.exited()) throw new Error(`redis-server exited:\n${watched.output()}`);
        return redisAnswers(port);
      },
      10_000,
      watched.output,
    );
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: () => current,
    async stop(signal = 'SIGTERM') {
      await current?.stop(signal, 5000);
      current = null;
    },
    start,
    async close() {
      await current?.stop('SIGKILL', 1000);
      current = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  port: number;
  url: string;
  process(): Watched | null;
  /** Fast shutdown (SIGINT: sessions are cut, as in an outage; SIGKILL after 8 s); resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Postgres refuses to run as root: then it runs as the `postgres` user, in a directory that user owns. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root and there is no postgres user to run a private Postgres as');
  }
}

/** A throwaway cluster (initdb, trust auth, fsync off) on its own loopback port and socket directory. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('initdb/postgres are missing: cannot start a private Postgres');
  const user = runAs();
  const dir = await mkdtemp(join(tmpdir(), 'kabinet-outage-pg-'));
  const data = join(dir, 'data');
  await mkdir(data, { mode: 0o700 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(data, user.uid, user.gid);
  }
  const owned = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const init = spawn(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8'],
    { ...owned, env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const initWatched = watch(init, 'initdb');
  await until('initdb', async () => initWatched.exited() !== null, 60_000, initWatched.output);
  if (initWatched.exited()?.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${initWatched.output()}`);
  }
  const port = await freeFixedPort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let current: Watched | null = null;
  const answers = async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  };
  const start = async () => {
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'max_connections=60',
      ],
      { ...owned, env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const watched = watch(child, 'postgres');
    current = watched;
    await until(
      'private Postgres',
      async () => {
        if (watched.exited()) throw new Error(`postgres exited:\n${watched.output()}`);
        return answers();
      },
      20_000,
      watched.output,
    );
  };
  await start();
  return {
    port,
    url,
    process: () => current,
    async stop(signal = 'SIGINT') {
      await current?.stop(signal, 8000);
      current = null;
    },
    start,
    async close() {
      await current?.stop('SIGINT', 3000);
      current = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface WatchedService extends Watched {
  url: string;
}

/**
 * Runs `web/node.ts` as `npm start` does (like service-process.ts's `startService`), keeping its PID and exit, so
 * a test can tell the process lived through what it did to it.
 */
export async function startWatchedService(
  env: Record<string, string>,
  waitMs = 30_000,
): Promise<WatchedService> {
  const port = await freeFixedPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'web/node.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watch(child, 'the service');
  try {
    await until(
      'the service',
      async () => {
        if (watched.exited()) throw new Error(`the service exited:\n${watched.output()}`);
        return (
          watched.output().includes('records are open') && watched.output().includes('Kabinet is listening')
        );
      },
      waitMs,
      watched.output,
    );
  } catch (error) {
    await watched.stop('SIGKILL', 1000);
    throw error;
  }
  return { ...watched, url: `http://127.0.0.1:${port}` };
}
