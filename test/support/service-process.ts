import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { keepLogs } from './log-scan';

const root = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningService {
  url: string;
  output(): string;
  /** Resolves once the records (PGlite or Postgres) are open and migrated. */
  recordsOpen(): Promise<boolean>;
  /** SIGTERM (a deploy); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash): nothing gets to finish. */
  kill(): Promise<void>;
}

/** Runs `web/node.ts` as `npm start` does, in a child process with only the given environment. */
export async function startService(env: Record<string, string>, waitMs = 40_000): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'web/node.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => keepLogs('service', output));
  const listening = await Promise.race([
    waitFor(() => output.includes('Kabinet is listening'), waitMs),
    exited.then(() => false),
  ]);
  if (!listening) {
    child.kill('SIGKILL');
    throw new Error(`service did not start:\n${output}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    recordsOpen: () => waitFor(() => output.includes('records are open'), waitMs),
    stop: () => stopChild(child, exited),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the service expecting it to refuse to start; resolves with its exit code and output. */
export const failedStart = (env: Record<string, string>) => runScript('web/node.ts', env);

/** Runs a TypeScript entry of the project to its end; resolves with its exit code and output. */
export async function runScript(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  keepLogs('script', output);
  return { code, output };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>) {
  child.kill('SIGTERM');
  // Past the service's own last resort (it exits 1 at 15 s): a loaded run (fuzzing beside it) can take 8 s to close
  // PGlite and the queues, which is slow but clean, and must not read as a crash.
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** A cookie-keeping client for the web chat API. */
export function chatClient(baseUrl: string, cookie = '') {
  let n = 0;
  const request = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(baseUrl + path, { ...init, headers: { cookie, ...init.headers } });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0] ?? '';
    return response;
  };
  return {
    cookie: () => cookie,
    request,
    async post(body: unknown) {
      const response = await request('/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `p${Date.now()}-${++n}`, body }),
      });
      return (await response.json()) as { messages: { type: string; text: string; nonce?: string }[] };
    },
  };
}
