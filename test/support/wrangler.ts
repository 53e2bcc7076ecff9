import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offlineWrangler } from '../../scripts/worker-bundle';
import { keepLogs } from './log-scan';
import { freePort } from './service-process';

/**
 * `wrangler dev`: a Worker in a local workerd, offline, with its vars given on the command line; `script` instead
 * of wrangler.toml's `main` (same compatibility settings). Up once `GET /healthz` answers 200.
 */
export async function startWorker(vars: Record<string, string>, script?: string) {
  const home = await mkdtemp(join(tmpdir(), 'kabinet-wrangler-'));
  const port = await freePort();
  const args = [
    'dev',
    ...(script ? [script] : []),
    '--local',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--inspector-port',
    '0',
  ];
  args.push('--show-interactive-dev-session=false');
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const child: ChildProcess = spawn(join('node_modules', '.bin', 'wrangler'), args, {
    env: offlineWrangler(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: workerd goes with it
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  async function stop() {
    // The whole group: wrangler and the workerd it started.
    if (child.pid && !exited()) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      await new Promise((resolve) => child.once('exit', resolve));
    }
    keepLogs('worker', output);
    await rm(home, { recursive: true, force: true });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || exited()) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, output: () => output, stop };
}
